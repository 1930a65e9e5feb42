// Errors that reach the user: one line that names the file and says what to do.
//
//   throw UsageError("preset.ini: [video] crf: 99 is out of range 0..63");
//   throw ProcessingError("in.mp4: not a media file FFmpeg can read (Invalid data)");
//
// The CLI maps each kind to a documented exit code (see exit_code()).
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>

namespace reelpack {

// `text` as an error message quotes it: at most `max_bytes` of it (cut between characters,
// "..." after), control characters and bytes that are not UTF-8 as \xNN. A 10 MB line or
// binary junk in a file then still makes one short line on stderr.
std::string excerpt(const std::string& text, size_t max_bytes = 60);

// Whether a write failed (`err` an errno value) for want of space: a full disk, a quota
// or a file-size limit (ENOSPC, EDQUOT, EFBIG).
bool no_space_error(int err);
// Why a write failed, for messages: the system's text, and for no_space_error() what to
// do about it.
std::string write_error_text(int err);

// Documented exit codes (README, "Exit codes").
inline constexpr int kExitOk = 0;
inline constexpr int kExitProcessing = 1;     // input unreadable, encode or write failure
inline constexpr int kExitUsage = 2;          // bad options, bad preset, missing input file
inline constexpr int kExitInterrupted = 130;  // SIGINT/SIGTERM: outputs removed

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
  virtual int exit_code() const { return kExitProcessing; }
};

// The user asked for something that cannot be done as asked; fix the command or preset.
class UsageError : public Error {
 public:
  using Error::Error;
  int exit_code() const override { return kExitUsage; }
};

// The work failed: unreadable media, encoder or disk failure.
class ProcessingError : public Error {
 public:
  using Error::Error;
};

// SIGINT/SIGTERM arrived; every partial output has been removed.
class Interrupted : public Error {
 public:
  Interrupted() : Error("interrupted; partial outputs removed") {}
  int exit_code() const override { return kExitInterrupted; }
};

}  // namespace reelpack
