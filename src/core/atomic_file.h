// An output that appears at its final path only when complete.
//
//   AtomicFile out("/out/ep1.tiktok.mp4");   // writes go to out.temp_path()
//   write_everything(out.temp_path());
//   out.commit();                            // rename(2) into place
//
// The final path is checked first (output_target()): a symlink is written through to its
// target, and a device, FIFO, folder or an input of this process is refused.
// If commit() is never reached (error, exception, SIGINT) the destructor removes the
// temporary file, so a failed or interrupted run leaves nothing half-written. The
// temporary lives in the same folder, so the rename is atomic on POSIX file systems.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace reelpack {

class AtomicFile {
 public:
  explicit AtomicFile(std::filesystem::path final_path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  AtomicFile(AtomicFile&& other) noexcept;
  AtomicFile& operator=(AtomicFile&&) = delete;

  const std::filesystem::path& temp_path() const { return temp_path_; }
  const std::filesystem::path& final_path() const { return final_path_; }
  void commit();
  void discard();

 private:
  std::filesystem::path final_path_;
  std::filesystem::path temp_path_;
  bool active_ = true;
};

// Marks `path` as a file this process reads (every media input does so when opened), so
// that no AtomicFile in this process replaces it, under its own name or another one (a hard
// link: same device and inode).
void protect_input(const std::filesystem::path& path);

// Where an output for `path` really goes: `path` itself, or the file a symlink points to
// (the link is kept; a dangling link's target is created). Throws UsageError naming `path`
// when what stands there is not a regular file (a device such as /dev/null, a FIFO, a
// socket, a folder) or is one of the protected inputs: an output never replaces either.
std::filesystem::path output_target(const std::filesystem::path& path);

// What a file that is not a regular file is, for messages: "a folder", "a character
// device", "a block device", "a FIFO", "a socket" (`mode` from stat(2)).
const char* non_regular_kind(unsigned mode);

// Writes `text` (or `bytes`) to `path` through a temporary renamed into place: the one
// writer of small outputs (cut lists, reports, tracks, pictures). Every write and the
// close are checked, so a full disk throws ProcessingError naming the file (with the
// system's reason) and leaves neither a truncated file nor the temporary behind.
void write_file_atomically(const std::filesystem::path& path, const std::string& text);
void write_file_atomically(const std::filesystem::path& path, const std::vector<uint8_t>& bytes);

// Name prefix of temporaries, so a folder can be swept after a SIGKILL. A temporary is
// <prefix><pid>-<counter>-<final name>, or <prefix><pid>-<counter><extension> when that
// would be longer than a file name may be (255 bytes).
inline constexpr const char* kTempPrefix = ".reelpack-tmp-";

// Temporaries are named PREFIX<host>-<pid>-<rest> (`.reelpack-tmp-render1-4242-0-ep01.mp4`,
// the whole name within 255 bytes however long the output's), so that a later run can tell
// whether the process that wrote one still runs.
std::string temp_owner_tag();  // "<host>-<pid>" of this process

// Removes the temporaries (regular files named `prefix` + owner tag + ...) in `dir` whose
// writer is gone: a process of this host that no longer exists, or, for another host's or
// one whose pid may have been reused, untouched for `max_age`. Sweeps each folder once per
// process (AtomicFile does it for every output folder); returns what it removed. Errors are
// ignored: sweeping is a courtesy, never a failure.
std::vector<std::filesystem::path> sweep_stale_temporaries(
    const std::filesystem::path& dir, const std::string& prefix = kTempPrefix,
    std::chrono::seconds max_age = std::chrono::hours(6));
// Every file the sweeps of this process removed, in order (for reports).
std::vector<std::filesystem::path> swept_temporaries();

}  // namespace reelpack
