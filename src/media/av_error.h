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

// Whether a decoder's error (from avcodec_send_packet or avcodec_receive_frame) is about
// the data: a damaged packet or frame, to be skipped as players skip it. Decoders say
// AVERROR_INVALIDDATA, but many of their paths return a bare -1 (EPERM, "Operation not
// permitted") or another code; only running out of memory is not the data's fault.
// Too few frames left is what the callers' frame counts then report.
bool damaged_data(int code);
// Receive loops give up on a decoder after this many such errors in a row.
inline constexpr int kMaxDamagedInARow = 32;

// "<file>: no decoder for <codec> in this FFmpeg build; ...", or, for a stream whose
// codec id is none (a damaged header), that the file is damaged.
std::string no_decoder_text(const std::string& file, int codec_id);

}  // namespace reelpack::av
