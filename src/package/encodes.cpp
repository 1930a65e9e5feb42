#include "package/encodes.h"

#include <map>
#include <string>

#include "core/atomic_file.h"
#include "core/error.h"
#include "package/smart_outputs.h"

namespace reelpack {
namespace fs = std::filesystem;

namespace {

// Makes `plan`'s output from the committed output of an identical encode: a hard link
// where the file system allows one (no extra space, no extra time), else a copy; either
// way through a temporary renamed into place, like every output.
OutputReport share_encode(const OutputReport& encoded, const OutputPlan& plan) {
  OutputReport r;
  r.preset = plan.preset;
  r.path = plan.path;
  r.warnings = plan.warnings;
  r.shared_from = encoded.path;
  r.video_frames = encoded.video_frames;
  if (!encoded.ok) {
    r.error = plan.path.string() + ": not written: it shares the encode of " +
              encoded.path.string() + ", which failed (" + encoded.error + ")";
    return r;
  }
  try {
    AtomicFile file(plan.path);
    std::error_code ec;
    fs::create_hard_link(encoded.path, file.temp_path(), ec);
    r.hard_link = !ec;
    if (ec) {
      fs::copy_file(encoded.path, file.temp_path(), ec);
      if (ec) {
        throw ProcessingError(plan.path.string() + ": cannot copy " + encoded.path.string() + " (" +
                              ec.message() + "); check free space and permissions");
      }
    }
    file.commit();
    // rename(2) does nothing when both names are links to one file; never leave the
    // temporary name behind.
    fs::remove(file.temp_path(), ec);
  } catch (const Error& e) {
    r.error = e.what();
    return r;
  }
  std::error_code ec;
  r.size_bytes = static_cast<int64_t>(fs::file_size(plan.path, ec));
  r.ok = true;
  return r;
}

}  // namespace

Encodes::Encodes(const std::vector<OutputPlan>& plans, const InputFile& input,
                 const PackageJob& job, const std::vector<TimedSubtitles>& subtitles,
                 const SmartReframe* smart)
    : plans_(plans),
      encoded_by_(plans.size()),
      video_by_(plans.size()),
      branches_(plans.size()),
      early_(plans.size()) {
  const auto index_of = [&](const fs::path& path, size_t fallback) {
    for (size_t j = 0; j < plans.size(); ++j) {
      if (!path.empty() && plans[j].path == path) return j;
    }
    return fallback;
  };
  for (size_t i = 0; i < plans.size(); ++i) {
    encoded_by_[i] = index_of(plans[i].same_encode_as, i);
    video_by_[i] = index_of(plans[i].same_video_as, i);
  }
  for (size_t i = 0; i < plans.size(); ++i) {
    if (encoded_by_[i] == i && video_by_[i] == i) add_branch(i, input, job, subtitles, smart);
  }
  // Smart windows are per output, so smart jobs do not share their scaling.
  if (!smart) share_scaling();
}

// The branch of output i's video encode, writing every output that muxes it.
void Encodes::add_branch(size_t i, const InputFile& input, const PackageJob& job,
                         const std::vector<TimedSubtitles>& subtitles, const SmartReframe* smart) {
  std::vector<size_t> members;
  for (size_t k = i; k < plans_.size(); ++k) {
    if (encoded_by_[k] == k && video_by_[k] == i) members.push_back(k);
  }
  std::vector<OutputPlan> member_plans;
  std::vector<std::string> for_presets;
  for (const size_t k : members) {
    member_plans.push_back(plans_[k]);
    std::string names = plans_[k].preset;
    for (size_t j = k + 1; j < plans_.size(); ++j) {
      if (encoded_by_[j] == k) names += ", " + plans_[j].preset;
    }
    for_presets.push_back(std::move(names));
  }
  try {
    branches_[i] = std::make_unique<OutputBranch>(member_plans, input, job, for_presets, subtitles);
    if (smart) branches_[i]->crop_with(smart->windows(i));
  } catch (const Error& e) {
    for (const size_t k : members) {
      OutputReport r;
      r.preset = plans_[k].preset;
      r.path = plans_[k].path;
      r.error = e.what();
      r.warnings = plans_[k].warnings;
      early_[k] = std::move(r);
    }
  }
}

// Branches with the same filter chain (the same picture: size, crop, rate, format) scale
// once: the first feeds its filtered frames to the others.
void Encodes::share_scaling() {
  std::map<std::string, OutputBranch*> scaled_by;
  for (size_t i = 0; i < plans_.size(); ++i) {
    if (!branches_[i]) continue;
    const auto [it, first] = scaled_by.emplace(plans_[i].video_filters, branches_[i].get());
    if (!first) it->second->feed(branches_[i].get());
  }
}

void Encodes::start() {
  for (auto& b : branches_) {
    if (b) b->start();
  }
}

bool Encodes::live() const {
  for (const auto& b : branches_) {
    if (b) return true;
  }
  return false;
}

bool Encodes::offer(StreamKind kind, AVFrame* frame) {
  bool any = false;
  for (auto& b : branches_) {
    if (b && b->offer(kind, frame)) any = true;
  }
  return any;
}

void Encodes::close_input() {
  for (auto& b : branches_) {
    if (b) b->close_input();
  }
}

void Encodes::abort() {
  for (auto& b : branches_) {
    if (b) b->abort();
  }
}

std::vector<OutputReport> Encodes::finish(const FrameCheck& check) {
  std::vector<std::optional<OutputReport>> done(plans_.size());
  for (size_t i = 0; i < plans_.size(); ++i) {
    if (!branches_[i]) continue;
    std::vector<OutputReport> reps = branches_[i]->finish(check);
    size_t n = 0;
    for (size_t k = i; k < plans_.size(); ++k) {
      if (encoded_by_[k] == k && video_by_[k] == i) done[k] = std::move(reps.at(n++));
    }
  }
  std::vector<OutputReport> reports;
  for (size_t i = 0; i < plans_.size(); ++i) {
    if (encoded_by_[i] != i) {
      reports.push_back(share_encode(reports[encoded_by_[i]], plans_[i]));
    } else {
      reports.push_back(done[i] ? *done[i] : *early_[i]);
    }
  }
  return reports;
}

}  // namespace reelpack
