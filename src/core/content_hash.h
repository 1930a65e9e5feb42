// Content hashes that do not read whole files: a fingerprint of a media file from its size
// and three 1 MiB blocks, and the 64-bit FNV-1a hash they are built on.
//
//   const uint64_t content = sample_content_hash("ep01.mov");   // reads at most 3 MiB
//   Fnv64 h;
//   h.field("my-key-v1").add(content);
//   h.hex();                                                    // "1f3a...", 16 hex digits
//
// The content hash does not depend on modification times (copies to shared storage keep
// it) and costs the same for a 100 MB and a 100 GB master. It does not see an edit that
// keeps the size and touches none of the three blocks.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace reelpack {

// 64-bit FNV-1a, fed piece by piece.
class Fnv64 {
 public:
  Fnv64& add(std::string_view bytes);
  Fnv64& add(uint64_t value);  // as 8 little-endian bytes
  // A field with its length first, so ("ab","c") and ("a","bc") differ.
  Fnv64& field(std::string_view text);
  uint64_t value() const { return hash_; }
  std::string hex() const;  // 16 lowercase hex digits

 private:
  uint64_t hash_ = 0xcbf29ce484222325ULL;
};

inline constexpr int64_t kContentBlockBytes = 1 << 20;

// FNV-1a over the file size and three kContentBlockBytes blocks (start, middle, end).
// Throws ProcessingError naming the file when it cannot be read.
uint64_t sample_content_hash(const std::filesystem::path& file);

}  // namespace reelpack
