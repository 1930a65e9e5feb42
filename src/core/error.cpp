#include "core/error.h"

#include <cerrno>
#include <cstdio>
#include <system_error>

#include "core/json_text.h"

namespace reelpack {

std::string excerpt(const std::string& text, size_t max_bytes) {
  std::string out;
  size_t i = 0;
  while (i < text.size() && out.size() < max_bytes) {
    const auto c = static_cast<unsigned char>(text[i]);
    const size_t n = utf8_sequence_length(text, i);
    if (n == 0 || c < 0x20 || c == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
      ++i;
    } else {
      out.append(text, i, n);
      i += n;
    }
  }
  if (i < text.size()) out += "...";
  return out;
}

bool no_space_error(int err) {
  return err == ENOSPC || err == EDQUOT || err == EFBIG;
}

std::string write_error_text(int err) {
  std::string text = std::error_code(err, std::generic_category()).message();
  if (err == ENOSPC || err == EDQUOT) {
    text += ": the disk is full; free some space or write to another folder";
  } else if (err == EFBIG) {
    text +=
        ": the file is larger than this system allows (ulimit -f, or the file system's "
        "largest file); raise the limit or write elsewhere";
  }
  return text;
}

}  // namespace reelpack
