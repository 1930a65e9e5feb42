#include "core/content_hash.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <vector>

#include "core/error.h"

namespace reelpack {
namespace fs = std::filesystem;

Fnv64& Fnv64::add(std::string_view bytes) {
  for (const char c : bytes) {
    hash_ ^= static_cast<unsigned char>(c);
    hash_ *= 0x100000001b3ULL;
  }
  return *this;
}

Fnv64& Fnv64::add(uint64_t value) {
  char bytes[8];
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((value >> (8 * i)) & 0xff);
  return add(std::string_view(bytes, 8));
}

Fnv64& Fnv64::field(std::string_view text) {
  add(static_cast<uint64_t>(text.size()));
  return add(text);
}

std::string Fnv64::hex() const {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(hash_));
  return buf;
}

uint64_t sample_content_hash(const fs::path& file) {
  std::error_code ec;
  const auto size = static_cast<int64_t>(fs::file_size(file, ec));
  std::ifstream in(file, std::ios::binary);
  if (ec || !in) {
    throw ProcessingError(file.string() + ": cannot read the input (" +
                          (ec ? ec.message() : std::string("open failed")) +
                          "); check the path and its permissions");
  }
  Fnv64 h;
  h.add(static_cast<uint64_t>(size));
  // Start, middle and end; overlapping blocks of a small file are simply read twice.
  std::vector<char> block(kContentBlockBytes);
  const int64_t last = std::max<int64_t>(0, size - kContentBlockBytes);
  for (const int64_t offset : {int64_t{0}, last / 2, last}) {
    in.clear();
    in.seekg(offset);
    in.read(block.data(), kContentBlockBytes);
    const std::streamsize got = in.gcount();
    if (got < std::min<int64_t>(kContentBlockBytes, size - offset)) {
      throw ProcessingError(file.string() + ": read error while fingerprinting the input");
    }
    h.add(std::string_view(block.data(), static_cast<size_t>(got)));
  }
  return h.value();
}

}  // namespace reelpack
