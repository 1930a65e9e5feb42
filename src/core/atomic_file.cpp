#include "core/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <mutex>
#include <set>
#include <string>
#include <system_error>
#include <utility>

#include "core/error.h"

namespace reelpack {
namespace fs = std::filesystem;

namespace {
std::atomic<unsigned> g_counter{0};
constexpr size_t kMaxNameBytes = 255;  // NAME_MAX on Linux file systems

// The inputs this process reads, by device and inode. Process-wide on purpose: an output
// must never replace any file being read, whichever job or thread opened it.
std::mutex g_inputs_mutex;
std::set<std::pair<dev_t, ino_t>> g_inputs;

bool is_protected(const struct stat& st) {
  const std::lock_guard<std::mutex> lock(g_inputs_mutex);
  return g_inputs.count({st.st_dev, st.st_ino}) > 0;
}
}  // namespace

void protect_input(const fs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return;  // the caller reports a missing input itself
  const std::lock_guard<std::mutex> lock(g_inputs_mutex);
  g_inputs.insert({st.st_dev, st.st_ino});
}

fs::path output_target(const fs::path& path) {
  fs::path target = path;
  std::error_code ec;
  // Follow the chain of links by hand: a dangling link's target is the file to create.
  for (int hops = 0; fs::is_symlink(fs::symlink_status(target, ec)); ++hops) {
    fs::path next = fs::read_symlink(target, ec);
    if (ec || hops == 40) {
      throw UsageError(path.string() + ": a symlink that cannot be followed (" +
                       (ec ? ec.message() : std::string("too many levels")) +
                       "); give a plain file path");
    }
    target = next.is_absolute() ? next : target.parent_path() / next;
  }
  struct stat st {};
  if (::stat(target.c_str(), &st) != 0) return target;  // nothing there yet
  if (!S_ISREG(st.st_mode)) {
    const char* what = S_ISDIR(st.st_mode)    ? "a folder"
                       : S_ISCHR(st.st_mode)  ? "a character device"
                       : S_ISBLK(st.st_mode)  ? "a block device"
                       : S_ISFIFO(st.st_mode) ? "a FIFO"
                                              : "not a regular file";
    throw UsageError(path.string() + ": is " + what +
                     ", which an output never replaces; give the path of a file to write");
  }
  if (is_protected(st)) {
    throw UsageError(path.string() +
                     ": is an input of this run (the same file); write the output elsewhere");
  }
  return target;
}

AtomicFile::AtomicFile(fs::path final_path) : final_path_(output_target(final_path)) {
  const std::string unique =
      std::string(kTempPrefix) + std::to_string(::getpid()) + "-" + std::to_string(g_counter++);
  std::string name = unique + "-" + final_path_.filename().string();
  // A long final name (a 240-byte stem) would push the temporary's past the file
  // system's limit: then only its extension follows the prefix.
  if (name.size() > kMaxNameBytes) {
    const std::string ext = final_path_.extension().string();
    name = unique + (ext.size() <= 16 ? ext : "");
  }
  temp_path_ = final_path_.parent_path() / name;
}

AtomicFile::AtomicFile(AtomicFile&& other) noexcept
    : final_path_(std::move(other.final_path_)),
      temp_path_(std::move(other.temp_path_)),
      active_(other.active_) {
  other.active_ = false;
}

AtomicFile::~AtomicFile() {
  discard();
}

void AtomicFile::commit() {
  if (!active_) return;
  std::error_code ec;
  fs::rename(temp_path_, final_path_, ec);
  if (ec) {
    throw ProcessingError(final_path_.string() + ": cannot move the finished output into place (" +
                          ec.message() + "); check the folder's permissions and free space");
  }
  active_ = false;
}

void AtomicFile::discard() {
  if (!active_) return;
  std::error_code ec;
  fs::remove(temp_path_, ec);  // best effort: nothing sensible to do on failure here
  active_ = false;
}

namespace {
// Plain write(2) rather than a stream: each failure says why (errno), and a failed
// close(2) (where some file systems report a full disk) is not lost in a destructor.
void write_all(const fs::path& temp, const fs::path& shown, const char* data, size_t size) {
  const auto fail = [&](int err) {
    throw ProcessingError(shown.string() + ": cannot write (" +
                          std::error_code(err, std::generic_category()).message() +
                          "); check the folder's permissions and free space");
  };
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) fail(errno);
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      fail(err);
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
  if (::close(fd) != 0 && errno != EINTR) fail(errno);  // EINTR: Linux closed it anyway
}
}  // namespace

void write_file_atomically(const fs::path& path, const std::string& text) {
  AtomicFile file(path);
  write_all(file.temp_path(), path, text.data(), text.size());
  file.commit();
}

void write_file_atomically(const fs::path& path, const std::vector<uint8_t>& bytes) {
  AtomicFile file(path);
  write_all(file.temp_path(), path, reinterpret_cast<const char*>(bytes.data()), bytes.size());
  file.commit();
}

}  // namespace reelpack
