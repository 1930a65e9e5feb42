// One error path for libav return codes.
//
//   check(avcodec_open2(ctx, codec, nullptr), "open the H.264 encoder", path);
//
// A negative code becomes a ProcessingError holding the file, the operation and the
// av_strerror text. AVERROR(EAGAIN) and AVERROR_EOF are control flow and are handled by
// the callers' receive loops, never passed here.
#pragma once

#include <string>

namespace reelpack::av {

std::string error_text(int code);

// Throws ProcessingError("<file>: cannot <operation> (<av_strerror>)") when code < 0.
int check(int code, const char* operation, const std::string& file);

}  // namespace reelpack::av
