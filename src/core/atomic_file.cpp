#include "core/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <signal.h>

#include <atomic>
#include <cctype>
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

const char* non_regular_kind(unsigned mode) {
  return S_ISDIR(mode)    ? "a folder"
         : S_ISCHR(mode)  ? "a character device"
         : S_ISBLK(mode)  ? "a block device"
         : S_ISFIFO(mode) ? "a FIFO"
         : S_ISSOCK(mode) ? "a socket"
                          : "not a regular file";
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
    throw UsageError(path.string() + ": is " + non_regular_kind(st.st_mode) +
                     ", which an output never replaces; give the path of a file to write");
  }
  if (is_protected(st)) {
    throw UsageError(path.string() +
                     ": is an input of this run (the same file); write the output elsewhere");
  }
  return target;
}

namespace {

// At most `max_bytes` of `s`, cut on a UTF-8 character boundary.
std::string utf8_prefix(const std::string& s, size_t max_bytes) {
  if (s.size() <= max_bytes) return s;
  size_t n = max_bytes;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n);
}

const std::string& host_tag() {
  static const std::string tag = [] {
    char name[256] = {};
    std::string out;
    if (::gethostname(name, sizeof name - 1) == 0) {
      for (const char* c = name; *c && out.size() < 16; ++c) {
        if (std::isalnum(static_cast<unsigned char>(*c))) out += *c;
      }
    }
    // Never all digits, so that it is not read as the pid of an older name.
    if (out.empty() || out.find_first_not_of("0123456789") == std::string::npos) out = "h" + out;
    return out;
  }();
  return tag;
}

bool all_digits(const std::string& s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
}

std::mutex g_sweep_mutex;
std::set<fs::path> g_swept_dirs;
std::vector<fs::path> g_swept_files;

}  // namespace

std::string temp_owner_tag() {
  return host_tag() + "-" + std::to_string(::getpid());
}

std::vector<fs::path> sweep_stale_temporaries(const fs::path& dir, const std::string& prefix,
                                              std::chrono::seconds max_age) {
  std::error_code ec;
  const fs::path key = fs::weakly_canonical(dir.empty() ? fs::path(".") : dir, ec);
  {
    const std::lock_guard<std::mutex> lock(g_sweep_mutex);
    if (!g_swept_dirs.insert(ec ? dir : key).second) return {};
  }
  std::vector<fs::path> removed;
  const auto now = fs::file_time_type::clock::now();
  for (fs::directory_iterator it(dir.empty() ? fs::path(".") : dir, ec), end; !ec && it != end;
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.rfind(prefix, 0) != 0 || !it->is_regular_file(ec)) continue;
    // <host>-<pid>-..., or <pid>-<n>-... as versions before hosts were named wrote them.
    const std::string rest = name.substr(prefix.size());
    const size_t a = rest.find('-');
    const size_t b = a == std::string::npos ? a : rest.find('-', a + 1);
    if (b == std::string::npos) continue;
    const std::string first = rest.substr(0, a), second = rest.substr(a + 1, b - a - 1);
    const bool old_style = all_digits(first) && all_digits(second);
    const std::string host = old_style ? host_tag() : first;
    const std::string pid_text = old_style ? first : second;
    if (!all_digits(pid_text) || pid_text.size() > 9) continue;
    const pid_t pid = static_cast<pid_t>(std::stol(pid_text));
    const bool ours = host == host_tag();
    if (ours && pid == ::getpid()) continue;
    const bool gone = ours && ::kill(pid, 0) != 0 && errno == ESRCH;
    const auto written = fs::last_write_time(it->path(), ec);
    const bool old = !ec && now - written > max_age;
    if (!gone && !old) continue;
    if (fs::remove(it->path(), ec) && !ec) removed.push_back(it->path());
    ec.clear();
  }
  const std::lock_guard<std::mutex> lock(g_sweep_mutex);
  g_swept_files.insert(g_swept_files.end(), removed.begin(), removed.end());
  return removed;
}

std::vector<fs::path> swept_temporaries() {
  const std::lock_guard<std::mutex> lock(g_sweep_mutex);
  return g_swept_files;
}

AtomicFile::AtomicFile(fs::path final_path) : final_path_(output_target(final_path)) {
  sweep_stale_temporaries(final_path_.parent_path());
  // The output's own name goes last, cut so that the whole name fits in 255 bytes; its
  // extension is kept (image writers choose the format by it).
  const std::string head =
      std::string(kTempPrefix) + temp_owner_tag() + "-" + std::to_string(g_counter++) + "-";
  const std::string ext = final_path_.extension().string();
  const std::string stem = final_path_.stem().string();
  const size_t room = head.size() + ext.size() < 255 ? 255 - head.size() - ext.size() : 0;
  temp_path_ = final_path_.parent_path() / (head + utf8_prefix(stem, room) + ext);
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
    throw ProcessingError(
        shown.string() + ": cannot write (" + write_error_text(err) + ")" +
        (no_space_error(err) ? "" : "; check the folder's permissions and free space"));
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
