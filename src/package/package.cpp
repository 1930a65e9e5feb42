#include "package/package.h"
#include "package/sharing.h"

extern "C" {
#include <libavutil/channel_layout.h>
#include <libavutil/pixdesc.h>
#include <libavutil/samplefmt.h>
}

#include <algorithm>
#include <chrono>
#include <exception>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include <unistd.h>

#include "core/atomic_file.h"
#include "core/bounded_queue.h"
#include "core/cancel.h"
#include "core/error.h"
#include "media/av_error.h"
#include "media/filter_chains.h"
#include "media/filter_graph.h"
#include "media/output.h"
#include "package/smart_outputs.h"

namespace reelpack {
namespace fs = std::filesystem;

bool PackageReport::ok() const {
  for (const auto& o : outputs) {
    if (!o.ok) return false;
  }
  return true;
}

Overrides master_overrides(const MediaInfo& in) {
  if (!in.video) throw UsageError(in.path.string() + ": has no video stream to cut");
  const VideoInfo& v = *in.video;
  // A variable-rate master is cut at the rate its stream declares, not at its average.
  const Rational fps = v.variable_frame_rate ? Rational{v.r_frame_rate.num, v.r_frame_rate.den}
                                             : v.nominal_frame_rate();
  return {{"video.width", std::to_string(even(v.display_width_px()))},
          {"video.height", std::to_string(even(v.display_height_px()))},
          {"video.fps", fps.num > 0 ? fps.to_string() : "30"},
          {"video.crf", "18"},
          {"video.maxrate", "0"},
          {"video.bufsize", "0"},
          {"audio.bitrate", "192k"}};
}

std::vector<TimeRange> resolve_ranges(const MediaInfo& in, const PackageJob& job) {
  return resolve_ranges(in, job.ranges);  // edit/ranges.h: the one rule for cut lists
}

std::vector<OutputPlan> plan_package(const MediaInfo& in, const PackageJob& job,
                                     const std::function<fs::path(Size)>& burn_script) {
  if (job.burn_subtitles && job.subtitles.empty()) {
    throw UsageError("--burn-subtitles needs a subtitles file (--subtitles FILE)");
  }
  if (!in.video) throw UsageError(in.path.string() + ": has no video stream to package");
  int64_t out_duration_us = in.duration_us;
  if (!job.ranges.empty()) {
    out_duration_us = 0;
    for (const TimeRange& r : resolve_ranges(in, job)) out_duration_us += r.length_us();
  }
  std::vector<OutputPlan> plans;
  for (const OutputRequest& req : job.outputs) {
    const Preset& p = req.preset;
    OutputPlan plan;
    plan.preset = p.name;
    plan.path = req.path;
    plan.container = p.container;

    const Size out{p.video.width_px, p.video.height_px};
    if (in.video) {
      const VideoInfo& v = *in.video;
      const int rot = v.rotation_deg;
      const Size src = rotated_size({v.width_px, v.height_px}, rot);
      const PixelAspect sar = rotated_aspect({v.sar.num, v.sar.den}, rot);
      plan.geometry = plan_reframe(src, sar, out, job.reframe);
      const VideoSourceTraits traits{rot, v.interlaced,
                                     source_color_matrix(v.color_space, v.height_px)};
      std::string overlay;
      if (job.burn_subtitles) {
        overlay = ass_filter(burn_script ? burn_script(out) : job.subtitles.front().file);
      }
      plan.video_filters =
          video_filter_chain(plan.geometry, traits, p.video.fps, p.video.pix_fmt, overlay);
      if (job.reframe == ReframeMode::Smart) {
        // Shots the camera cannot frame are drawn as --reframe blur draws every frame.
        const ReframePlan fill = plan_reframe(src, sar, out, ReframeMode::Blur);
        plan.smart_filters =
            smart_filter_chains(plan.geometry, fill, traits, p.video.fps, p.video.pix_fmt, overlay);
      }
    }

    VideoEncoderSettings& ve = plan.video;
    ve.codec = p.video.codec;
    ve.width_px = out.width_px;
    ve.height_px = out.height_px;
    ve.frame_rate = {p.video.fps.num, p.video.fps.den};
    ve.pix_fmt = av_get_pix_fmt(p.video.pix_fmt.c_str());
    ve.profile = p.video.profile;
    ve.level = p.video.level;
    ve.preset = p.video.encoder_preset;
    ve.crf = p.video.crf;
    ve.maxrate_bps = p.video.maxrate_bps;
    ve.bufsize_bits = p.video.bufsize_bits;
    ve.gop_frames = p.video.gop_frames();
    ve.bframes = p.video.bframes;

    AudioEncoderSettings& ae = plan.audio;
    ae.codec = p.audio.codec;
    ae.bitrate_bps = p.audio.bitrate_bps;
    ae.sample_rate_hz = p.audio.sample_rate_hz;
    ae.channels = p.audio.channels;
    plan.has_audio = in.audio.has_value() || p.audio.required;
    plan.silent_audio = !in.audio && p.audio.required;
    if (in.audio) plan.audio_filters = audio_filter_chain(p.audio);

    const int64_t dur_ms = out_duration_us / 1000;
    if (p.limits.max_duration_ms && dur_ms > p.limits.max_duration_ms) {
      plan.warnings.push_back("input is " + std::to_string(dur_ms / 1000.0) + " s; " + p.name +
                              " allows at most " +
                              std::to_string(p.limits.max_duration_ms / 1000.0) + " s (trim it)");
    }
    if (p.limits.min_duration_ms && dur_ms < p.limits.min_duration_ms) {
      plan.warnings.push_back("input is " + std::to_string(dur_ms / 1000.0) + " s; " + p.name +
                              " needs at least " +
                              std::to_string(p.limits.min_duration_ms / 1000.0) + " s");
    }
    plans.push_back(std::move(plan));
  }
  // Outputs that encode identically are made from the first's file (share_encode()); those
  // that differ only in audio take its video packets (package/sharing.h).
  std::vector<const Preset*> presets;
  for (const OutputRequest& o : job.outputs) presets.push_back(&o.preset);
  unsigned encodes = 0;
  const std::vector<EncodeSharing> sharing = plan_sharing(presets);
  for (size_t i = 0; i < plans.size(); ++i) {
    const EncodeSharing& s = sharing[i];
    if (s.same_encode_as != EncodeSharing::kNone) {
      plans[i].same_encode_as = plans[s.same_encode_as].path;
    } else if (s.same_video_as != EncodeSharing::kNone) {
      plans[i].same_video_as = plans[s.same_video_as].path;
    } else {
      ++encodes;
    }
  }
  // Several encoders run side by side: share the cores between them instead of letting
  // each start its own thread per core, which only adds frame-thread overhead and memory.
  if (encodes > 1) {
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    for (OutputPlan& p : plans) p.video.threads = static_cast<int>(std::max(1u, cores / encodes));
  }
  return plans;
}

namespace {

// Thrown inside the decode callback to stop reading once no output is left to feed.
struct AllOutputsFailed {};

// A soft subtitle track as every output muxes it: cues on the output timeline.
struct TimedSubtitles {
  SubtitleSpec spec;
  std::vector<SubtitleCue> cues;
};

// A file in the temporary folder, removed when this goes (the ASS scripts libass reads).
class TempFile {
 public:
  TempFile(const std::string& suffix, const std::string& text) {
    std::string pattern = (fs::temp_directory_path() / ("reelpack-XXXXXX" + suffix)).string();
    const int fd = mkstemps(pattern.data(), static_cast<int>(suffix.size()));
    if (fd < 0) {
      throw ProcessingError(pattern +
                            ": cannot create a temporary file; check TMPDIR's free space");
    }
    path_ = pattern;
    const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    ::close(fd);
    if (!ok)
      throw ProcessingError(path_.string() + ": cannot write a temporary file; check TMPDIR");
  }
  ~TempFile() {
    std::error_code ec;
    fs::remove(path_, ec);
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

struct Item {
  StreamKind kind;
  av::FramePtr frame;  // null: end of that stream
  // A video frame that already went through another branch's filter graph (same chain),
  // with that graph's output time base.
  bool filtered = false;
  AVRational time_base{1, 1};
};

// One video encode and the outputs it feeds, run by one worker thread: a filter graph and
// an encoder for the picture, and per output its own muxer and audio chain. Outputs whose
// presets differ only in audio or tags (OutputPlan::same_video_as) get the same video
// packets; one whose muxing or audio fails fails alone, a failing video encode fails all.
class OutputBranch {
 public:
  // `plans`: the outputs this encode writes; the first one's video settings rule (the
  // others' are equal). `for_presets[k]` names every preset output k's file serves (the
  // comment tag says so).
  OutputBranch(const std::vector<OutputPlan>& plans, const InputFile& input, const PackageJob& job,
               const std::vector<std::string>& for_presets,
               const std::vector<TimedSubtitles>& subtitles)
      : queue_(16) {
    video_ = plans.front();
    name_ = video_.path.string();
    input_video_tb_ = input.video_time_base();
    input_audio_tb_ = input.audio_time_base();
    sar_ = input.info().video->sar;
    frame_ = av::make_frame();
    // Every output's file and muxer first: the encoder needs to know whether the
    // container wants global headers (the container is part of the shared settings).
    for (size_t k = 0; k < plans.size(); ++k) {
      auto m = std::make_unique<Member>(plans[k]);
      try {
        m->mux = std::make_unique<Muxer>(m->file.temp_path(), m->plan.container, m->name);
      } catch (const Error&) {
        m->error = std::current_exception();
      }
      members_.push_back(std::move(m));
    }
    const auto first_live =
        std::find_if(members_.begin(), members_.end(), [](const auto& m) { return !m->error; });
    if (first_live == members_.end()) std::rethrow_exception(members_.front()->error);
    video_enc_.emplace(
        Encoder::video(video_.video, (*first_live)->mux->wants_global_header(), name_));
    for (size_t k = 0; k < members_.size(); ++k) {
      Member& m = *members_[k];
      if (m.error) continue;
      try {
        m.video_stream = m.mux->add_stream(*video_enc_);
        if (m.plan.has_audio) {
          m.audio_enc.emplace(Encoder::audio(m.plan.audio, m.mux->wants_global_header(), m.name));
          m.audio_stream = m.mux->add_stream(*m.audio_enc);
        }
        std::vector<std::pair<SubtitleEncoder, int>> subs;
        for (const TimedSubtitles& t : subtitles) {
          SubtitleEncoder enc(m.mux->wants_global_header(), m.name);
          const int stream = m.mux->add_stream(enc.context(), t.spec.language);
          subs.emplace_back(std::move(enc), stream);
        }
        auto meta = job.metadata;
        meta.emplace("comment", "packaged by reelpack " REELPACK_VERSION " for " + for_presets[k]);
        m.mux->start(meta);
        // Every cue now: the muxer holds them and interleaves them with the picture.
        for (size_t t = 0; t < subtitles.size(); ++t) {
          for (const SubtitleCue& c : subtitles[t].cues) {
            const int64_t start_ms = c.start_us / 1000;
            subs[t].first.encode(c.event, start_ms, c.end_us / 1000 - start_ms, shared_.get());
            m.mux->write(shared_.get(), subs[t].second, subs[t].first.time_base());
          }
        }
        m.audio_done = !m.plan.has_audio || m.plan.silent_audio;
      } catch (const Error&) {
        m.error = std::current_exception();
      }
    }
    uses_input_audio_ = std::any_of(members_.begin(), members_.end(), [](const auto& m) {
      return !m->error && m->plan.has_audio && !m->plan.silent_audio;
    });
    if (!any_live()) std::rethrow_exception(members_.front()->error);
  }

  ~OutputBranch() {
    queue_.abort();
    if (worker_.joinable()) worker_.join();
  }

  void start() {
    worker_ = std::thread([this] { run(); });
  }

  // Called by the decoder thread. Returns false once every output of this encode failed.
  bool offer(StreamKind kind, const AVFrame* frame) {
    if (failed_.load()) return false;
    if (kind == StreamKind::Audio && !uses_input_audio_) return true;
    if (kind == StreamKind::Video && fed_) return true;  // its leader sends it filtered frames
    av::FramePtr copy;
    if (frame) {
      copy.reset(av_frame_clone(frame));  // a new reference, not a copy of the pixels
      if (!copy) throw std::bad_alloc();
    }
    return queue_.push({kind, std::move(copy)});
  }

  // Branches whose filter chains are equal filter once: this branch's filtered frames also
  // go to `follower`, which encodes them as they are (the scaling is done once).
  void feed(OutputBranch* follower) {
    followers_.push_back(follower);
    follower->fed_ = true;
    follower->producers_ = 2;
  }

  // The decoder has handed out everything (a fed branch's queue closes once its leader
  // is done too).
  void close_input() { producer_done(); }
  void abort() { queue_.abort(); }
  // --reframe smart: each frame is cropped to its own window before the filter graph.
  void crop_with(std::shared_ptr<const FrameWindows> windows) { windows_ = std::move(windows); }

  // Joins the worker; commits each complete output (renames its temporary into place).
  // One report per output, in the order of the plans given.
  std::vector<OutputReport> finish() {
    if (worker_.joinable()) worker_.join();
    std::vector<OutputReport> reports;
    for (auto& mp : members_) {
      Member& m = *mp;
      OutputReport r;
      r.preset = m.plan.preset;
      r.path = m.plan.path;
      r.video_frames = frames_out_;
      r.warnings = m.plan.warnings;
      if (m.plan.path != video_.path) r.video_shared_from = video_.path;
      std::exception_ptr err = m.error ? m.error : error_;
      std::string upstream;
      {
        const std::lock_guard lock(upstream_mutex_);
        upstream = upstream_error_;
      }
      if (!err && !m.completed) {
        // The input ended early, or the branch that scaled for this one failed: never
        // commit half a file.
        r.error = upstream.empty() ? "incomplete output" : m.name + ": not written: " + upstream;
      } else if (!err) {
        try {
          m.file.commit();
        } catch (const Error&) {
          err = std::current_exception();
        }
      }
      if (err) {
        try {
          std::rethrow_exception(err);
        } catch (const std::exception& e) {
          r.error = e.what();
        }
      }
      if (!r.error.empty()) {
        m.file.discard();
      } else {
        std::error_code ec;
        r.size_bytes = static_cast<int64_t>(fs::file_size(m.plan.path, ec));
        r.ok = true;
      }
      reports.push_back(std::move(r));
    }
    return reports;
  }

 private:
  struct Member {
    explicit Member(OutputPlan p) : plan(std::move(p)), file(plan.path), name(plan.path.string()) {}
    OutputPlan plan;
    AtomicFile file;
    std::string name;
    std::unique_ptr<Muxer> mux;
    std::optional<Encoder> audio_enc;
    std::optional<FilterGraph> audio_graph;
    int video_stream = -1, audio_stream = -1;
    int64_t silence_next = 0;
    bool audio_done = true, completed = false;
    std::exception_ptr error;  // this output failed; the others go on
  };

  bool any_live() const {
    return std::any_of(members_.begin(), members_.end(), [](const auto& m) { return !m->error; });
  }

  // Runs `step` for one output; an error there fails that output alone.
  template <class Step>
  void for_member(Member& m, Step&& step) {
    if (m.error) return;
    try {
      step(m);
    } catch (const Error&) {
      m.error = std::current_exception();
    }
  }

  // Called by the leader's worker thread.
  void offer_filtered(const AVFrame* frame, AVRational time_base) {
    if (failed_.load()) return;
    av::FramePtr copy;
    if (frame) {
      copy.reset(av_frame_clone(frame));
      if (!copy) throw std::bad_alloc();
    }
    queue_.push({StreamKind::Video, std::move(copy), true, time_base});
  }
  void leader_done(const std::string& failure) {
    if (!failure.empty()) {
      {
        const std::lock_guard lock(upstream_mutex_);
        upstream_error_ = failure;
      }
      failed_.store(true);
      queue_.abort();
    } else {
      producer_done();
    }
  }
  void producer_done() {
    if (producers_.fetch_sub(1) == 1) queue_.close();
  }

  void run() {
    std::string failure;
    try {
      run_items();
    } catch (const std::exception& e) {
      error_ = std::current_exception();
      failure = e.what();
    } catch (...) {
      error_ = std::current_exception();
      failure = "unexpected error";
    }
    if (error_) {
      failed_.store(true);
      queue_.abort();  // unblock the producer; it skips this encode from now on
    }
    for (OutputBranch* f : followers_) {
      f->leader_done(error_ ? "the shared scaling for " + name_ + " failed: " + failure : "");
    }
  }

  bool followers_live() const {
    return std::any_of(followers_.begin(), followers_.end(),
                       [](const OutputBranch* f) { return !f->failed_.load(); });
  }

  void run_items() {
    while (auto item = queue_.pop()) {
      if (item->kind == StreamKind::Video && item->filtered) {
        on_filtered(item->frame.get(), item->time_base);
      } else if (item->kind == StreamKind::Video) {
        on_video(item->frame.get());
      } else {
        for (auto& m : members_)
          for_member(*m, [&](Member& mm) { on_audio(mm, item->frame.get()); });
      }
      if (!any_live() && !followers_live()) {
        failed_.store(true);
        queue_.abort();
        return;
      }
      if (video_done_ && std::all_of(members_.begin(), members_.end(),
                                     [](const auto& m) { return m->error || m->audio_done; })) {
        finalize();
        return;
      }
    }
  }

  void on_video(AVFrame* frame) {
    if (windows_) {
      on_smart_video(frame);
      return;
    }
    if (!video_graph_) {
      if (!frame) {
        video_done_ = true;
        for (OutputBranch* f : followers_) f->offer_filtered(nullptr, {1, 1});
        flush_video();
        return;
      }
      video_graph_.emplace(
          FilterGraph::video(frame, input_video_tb_, sar_, video_.video_filters, name_));
    }
    video_graph_->push(frame);
    encode_ready(*video_graph_);
    if (!frame) {
      video_done_ = true;
      for (OutputBranch* f : followers_) f->offer_filtered(nullptr, {1, 1});
      flush_video();
    }
  }

  // Encodes every frame `graph` has ready (and hands it to the branches this one scales
  // for).
  void encode_ready(FilterGraph& graph) {
    while (graph.pull(frame_.get())) {
      for (OutputBranch* f : followers_) f->offer_filtered(frame_.get(), graph.output_time_base());
      frame_->pts = av_rescale_q(frame_->pts, graph.output_time_base(), video_enc_->time_base());
      frame_->pict_type = AV_PICTURE_TYPE_NONE;
      encode_video(frame_.get());
      video_end_pts_ = frame_->pts + 1;
      av_frame_unref(frame_.get());
      for (auto& m : members_) {
        if (m->plan.silent_audio)
          for_member(*m, [&](Member& mm) { add_silence_until(mm, video_end_pts_); });
      }
    }
  }

  // --reframe smart: the source graph (rotation, rate) on whole frames; then each frame
  // it passes is cropped to its window and scaled (window graph), or in a blur-fill shot
  // drawn whole over a blurred fill (fill graph). Both are one frame in, one frame out,
  // so frames reach the encoder in order whichever graph draws them.
  void on_smart_video(AVFrame* frame) {
    if (frame) {
      // The source graph re-times frames to the output rate; the frame's own timestamp
      // (which its window is looked up by) travels in `opaque`, which filters copy.
      frame->opaque = reinterpret_cast<void*>(static_cast<intptr_t>(frame->pts));
      if (!video_graph_) {
        video_graph_.emplace(
            FilterGraph::video(frame, input_video_tb_, sar_, video_.smart_filters.source, name_));
      }
    }
    if (video_graph_) {
      video_graph_->push(frame);
      while (video_graph_->pull(whole_.get())) {
        draw_smart(whole_.get());
        av_frame_unref(whole_.get());
      }
    }
    if (!frame) {
      for (auto* g : {&window_graph_, &fill_graph_}) {
        if (*g) {
          (*g)->push(nullptr);
          encode_ready(**g);
        }
      }
      video_done_ = true;
      for (OutputBranch* f : followers_) f->offer_filtered(nullptr, {1, 1});
      flush_video();
    }
  }

  // A frame filtered by the leader (its reference of our own): encode it as it is.
  void on_filtered(AVFrame* frame, AVRational time_base) {
    if (!frame) {
      video_done_ = true;
      flush_video();
      return;
    }
    frame->pts = av_rescale_q(frame->pts, time_base, video_enc_->time_base());
    frame->pict_type = AV_PICTURE_TYPE_NONE;
    encode_video(frame);
    video_end_pts_ = frame->pts + 1;
    for (auto& m : members_) {
      if (m->plan.silent_audio)
        for_member(*m, [&](Member& mm) { add_silence_until(mm, video_end_pts_); });
    }
  }

  void draw_smart(AVFrame* whole) {
    const auto source_pts = static_cast<int64_t>(reinterpret_cast<intptr_t>(whole->opaque));
    const Rect window = windows_->at(source_pts);
    const bool fill = windows_->is_fill(window);
    // `whole` is this encode's own reference: cropping it moves only its data pointers,
    // never pixels another encode shares.
    if (!fill) crop_to_window(whole, window, name_);
    std::optional<FilterGraph>& graph = fill ? fill_graph_ : window_graph_;
    if (!graph) {
      graph.emplace(FilterGraph::video(
          whole, video_graph_->output_time_base(), whole->sample_aspect_ratio,
          fill ? video_.smart_filters.fill : video_.smart_filters.window, name_));
    }
    graph->push(whole);
    encode_ready(*graph);
  }

  void on_audio(Member& m, AVFrame* frame) {
    if (m.audio_done) return;
    if (!m.audio_graph) {
      if (!frame) {
        m.audio_done = true;
        encode_audio(m, nullptr);
        return;
      }
      m.audio_graph.emplace(FilterGraph::audio(frame, input_audio_tb_, m.plan.audio_filters,
                                               m.audio_enc->frame_size(), m.name));
    }
    m.audio_graph->push(frame);
    while (m.audio_graph->pull(frame_.get())) {
      frame_->pts =
          av_rescale_q(frame_->pts, m.audio_graph->output_time_base(), m.audio_enc->time_base());
      encode_audio(m, frame_.get());
      av_frame_unref(frame_.get());
    }
    if (!frame) {
      m.audio_done = true;
      encode_audio(m, nullptr);
    }
  }

  // One encode, every output's muxer: each gets its own reference to the packet.
  void encode_video(const AVFrame* f) {
    if (f) ++frames_out_;
    video_enc_->send(f, [&](AVPacket* pkt) {
      for (auto& m : members_) {
        for_member(*m, [&](Member& mm) {
          // The muxer takes over the reference and leaves `shared_` blank for the next.
          av::check(av_packet_ref(shared_.get(), pkt), "share a video packet", mm.name);
          mm.mux->write(shared_.get(), mm.video_stream, video_enc_->time_base());
        });
      }
    });
  }
  void encode_audio(Member& m, const AVFrame* f) {
    m.audio_enc->send(
        f, [&](AVPacket* pkt) { m.mux->write(pkt, m.audio_stream, m.audio_enc->time_base()); });
  }

  void flush_video() { encode_video(nullptr); }

  // Generated silence for inputs without audio, kept in step with the video so the
  // muxer never has to buffer one stream while waiting for the other. Whole encoder
  // frames while the video runs; at the end (`last`) one short frame lands exactly on
  // the video's end, so the track is no longer than the picture.
  void add_silence_until(Member& m, int64_t video_end_pts, bool last = false) {
    const AVRational vtb = video_enc_->time_base();
    const int rate = m.plan.audio.sample_rate_hz;
    const int64_t target = av_rescale_q(video_end_pts, vtb, {1, rate});
    const int frame_size = m.audio_enc->frame_size() > 0 ? m.audio_enc->frame_size() : 1024;
    for (;;) {
      const int64_t left = target - m.silence_next;
      const int n = static_cast<int>(std::min<int64_t>(left, frame_size));
      if (n <= 0 || (n < frame_size && !last)) return;
      av::FramePtr s = av::make_frame();
      s->nb_samples = n;
      s->format = m.audio_enc->context()->sample_fmt;
      s->sample_rate = rate;
      av::check(av_channel_layout_copy(&s->ch_layout, &m.audio_enc->context()->ch_layout),
                "set up silence", m.name);
      av::check(av_frame_get_buffer(s.get(), 0), "allocate silence", m.name);
      av_samples_set_silence(s->extended_data, 0, n, s->ch_layout.nb_channels,
                             static_cast<AVSampleFormat>(s->format));
      s->pts = m.silence_next;
      m.silence_next += n;
      encode_audio(m, s.get());
    }
  }

  void finalize() {
    for (auto& m : members_) {
      for_member(*m, [&](Member& mm) {
        if (mm.plan.silent_audio) {
          add_silence_until(mm, video_end_pts_, true);
          encode_audio(mm, nullptr);
        }
        mm.mux->finish();
        mm.completed = true;
      });
    }
  }

  OutputPlan video_;  // the first output's plan: its video settings and filters rule
  std::string name_;
  AVRational input_video_tb_{1, 1}, input_audio_tb_{1, 1}, sar_{1, 1};
  std::vector<std::unique_ptr<Member>> members_;
  std::optional<Encoder> video_enc_;
  std::optional<FilterGraph> video_graph_;
  // --reframe smart: video_graph_ runs the source chain; these draw its frames.
  std::optional<FilterGraph> window_graph_, fill_graph_;
  av::FramePtr whole_ = av::make_frame();
  std::shared_ptr<const FrameWindows> windows_;
  av::FramePtr frame_;
  av::PacketPtr shared_ = av::make_packet();
  int64_t video_end_pts_ = 0;  // end of the last encoded frame, encoder time base
  int64_t frames_out_ = 0;
  bool video_done_ = false;
  bool uses_input_audio_ = false;
  std::vector<OutputBranch*> followers_;  // fed this branch's filtered frames
  bool fed_ = false;                      // its video comes from a leader, not the decoder
  std::atomic<int> producers_{1};         // the decoder, and the leader when fed
  std::mutex upstream_mutex_;
  std::string upstream_error_;  // why the leader stopped feeding this branch
  BoundedQueue<Item> queue_;
  std::atomic<bool> failed_{false};
  std::exception_ptr error_;
  std::thread worker_;
};

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

PackageReport package(const PackageJob& job, const ProgressFn& progress) {
  if (job.outputs.empty())
    throw UsageError("no preset given; add -p NAME (see `reelpack presets list`)");
  const auto t0 = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  InputFile input(job.input);
  PackageReport report;
  report.input = input.info();
  const std::vector<TimeRange> ranges = resolve_ranges(input.info(), job);
  int64_t output_duration_us = report.input.duration_us;
  if (!ranges.empty()) {
    output_duration_us = 0;
    for (const TimeRange& r : ranges) output_duration_us += r.length_us();
  }
  // Subtitles on the output timeline; burnt in: one ASS script per output size.
  std::vector<TimedSubtitles> subtitles;
  for (const SubtitleSpec& spec : job.subtitles) {
    subtitles.push_back({spec, retime(read_subtitles(spec).cues, ranges, output_duration_us)});
  }
  std::map<std::pair<int, int>, std::unique_ptr<TempFile>> scripts;
  const auto burn_script = [&](Size size) {
    auto& file = scripts[{size.width_px, size.height_px}];
    if (!file) file = std::make_unique<TempFile>(".ass", ass_script(subtitles.front().cues, size));
    return file->path();
  };
  const std::vector<OutputPlan> plans = plan_package(input.info(), job, burn_script);
  // --reframe smart: an analysis pass places every output's window before the encode.
  AnalysisProgress analysing;
  if (progress) {
    analysing = [&, start_s = elapsed()](int64_t frames, int64_t position_us) {
      progress(
          {ProgressPhase::Analysing, position_us, output_duration_us, frames, elapsed() - start_s});
    };
  }
  const auto smart = SmartReframe::prepare(job, input, ranges, plans, analysing);
  const double encode_start_s = elapsed();

  // Outputs whose setup fails (encoder refuses the settings, folder not writable) are
  // reported and the others still run. Outputs that share another's whole encode get no
  // branch of their own; outputs that share only its video join its branch.
  const auto index_of = [&](const fs::path& path, size_t fallback) {
    for (size_t j = 0; j < plans.size(); ++j) {
      if (!path.empty() && plans[j].path == path) return j;
    }
    return fallback;
  };
  std::vector<size_t> encoded_by(plans.size()), video_by(plans.size());
  for (size_t i = 0; i < plans.size(); ++i) {
    encoded_by[i] = index_of(plans[i].same_encode_as, i);
    video_by[i] = index_of(plans[i].same_video_as, i);
  }
  std::vector<std::unique_ptr<OutputBranch>> branches(plans.size());
  std::vector<std::optional<OutputReport>> early(plans.size());
  for (size_t i = 0; i < plans.size(); ++i) {
    if (encoded_by[i] != i || video_by[i] != i) continue;
    std::vector<size_t> members;
    for (size_t k = i; k < plans.size(); ++k) {
      if (encoded_by[k] == k && video_by[k] == i) members.push_back(k);
    }
    std::vector<OutputPlan> member_plans;
    std::vector<std::string> for_presets;
    for (const size_t k : members) {
      member_plans.push_back(plans[k]);
      std::string names = plans[k].preset;
      for (size_t j = k + 1; j < plans.size(); ++j) {
        if (encoded_by[j] == k) names += ", " + plans[j].preset;
      }
      for_presets.push_back(std::move(names));
    }
    try {
      branches[i] =
          std::make_unique<OutputBranch>(member_plans, input, job, for_presets, subtitles);
      if (smart) branches[i]->crop_with(smart->windows(i));
    } catch (const Error& e) {
      for (const size_t k : members) {
        OutputReport r;
        r.preset = plans[k].preset;
        r.path = plans[k].path;
        r.error = e.what();
        r.warnings = plans[k].warnings;
        early[k] = std::move(r);
      }
    }
  }
  // Branches with the same filter chain (the same picture: size, crop, rate, format)
  // scale once: the first feeds its filtered frames to the others. Smart windows are per
  // output, so smart jobs do not share.
  if (!smart) {
    std::map<std::string, OutputBranch*> scaled_by;
    for (size_t i = 0; i < plans.size(); ++i) {
      if (!branches[i]) continue;
      const auto [it, first] = scaled_by.emplace(plans[i].video_filters, branches[i].get());
      if (!first) it->second->feed(branches[i].get());
    }
  }
  for (auto& b : branches) {
    if (b) b->start();
  }

  Progress p;
  p.duration_us = output_duration_us;
  std::optional<RangeReader> cutter;
  if (!ranges.empty()) cutter.emplace(input, ranges);
  const AVRational vtb = input.video_time_base();
  auto live = [&] {
    for (auto& b : branches) {
      if (b) return true;
    }
    return false;
  };
  try {
    const auto to_outputs = [&](StreamKind kind, AVFrame* frame) {
      bool any = false;
      for (auto& b : branches) {
        if (b && b->offer(kind, frame)) any = true;
      }
      // Every output failed: stop reading. The reports say why.
      if (!any) throw AllOutputsFailed{};
    };
    // Progress follows the frames handed to the encoders (their queues are short, so they
    // go at the encoders' pace).
    int64_t frames_sent = 0;
    const auto sent = [&](const AVFrame* frame) {
      p.frames = ++frames_sent;
      p.position_us = av_rescale_q(frame->pts, vtb, AV_TIME_BASE_Q);
      p.elapsed_s = elapsed() - encode_start_s;
      if (progress) progress(p);
    };
    const auto count = [&](const AVFrame* frame) {
      ++report.frames_decoded;
      sent(frame);
    };
    // One-pass smart reframing holds each video frame until its shot's windows are placed.
    const SmartReframe::Deliver deliver_video = [&](AVFrame* frame) {
      if (frame) sent(frame);
      to_outputs(StreamKind::Video, frame);
    };
    const bool holding = smart && smart->one_pass();
    // After an overflow (one pass) the rest of the input is only analysed until it is
    // decoded again: the bar shows that phase rather than standing still.
    int64_t frames_analysed = 0;
    double analysed_from_s = 0;
    const auto analysed = [&](const AVFrame* frame) {
      if (!progress) return;
      if (frames_analysed++ == 0) analysed_from_s = elapsed();
      progress({ProgressPhase::Analysing, av_rescale_q(frame->pts, vtb, AV_TIME_BASE_Q),
                output_duration_us, frames_analysed, elapsed() - analysed_from_s});
    };
    const InputFile::FrameSink feed = [&](StreamKind kind, AVFrame* frame) {
      if (kind == StreamKind::Video && frame) {
        if (holding) {
          ++report.frames_decoded;
        } else {
          count(frame);
        }
      }
      if (kind == StreamKind::Video && holding) {
        if (!frame && cutter) smart->set_ranges_read(cutter->actual());
        smart->take(frame, deliver_video);
        if (frame && smart->overflowed()) analysed(frame);
      } else {
        to_outputs(kind, frame);
      }
    };
    if (live()) {
      if (cutter) {
        cutter->run(feed);
      } else {
        input.decode(feed);
      }
      if (holding) smart->store_analysis();
    }
    if (const auto from = smart ? smart->decode_again_from() : std::nullopt; from && live()) {
      // The frames held outgrew the memory allowed: the video from the first frame not
      // delivered is decoded again (the audio went through already). A range is read
      // again from its start, its timestamps being the output timeline's.
      const InputFile::FrameSink again = [&](StreamKind kind, AVFrame* frame) {
        if (kind != StreamKind::Video || !frame || frame->pts < *from) return;
        count(frame);
        to_outputs(kind, frame);
      };
      if (cutter) {
        RangeReader(input, ranges).run(again);
      } else {
        seek_at_or_before(input, av_rescale_q(*from, vtb, AV_TIME_BASE_Q), 0);
        while (input.read_some(again)) {
        }
      }
      to_outputs(StreamKind::Video, nullptr);
    }
    for (auto& b : branches) {
      if (b) b->close_input();
    }
  } catch (const AllOutputsFailed&) {
    // Fall through: each branch's report carries its own error.
  } catch (...) {
    // The input is bad or we were interrupted: the branches' destructors remove every
    // temporary file on the way out.
    for (auto& b : branches) {
      if (b) b->abort();
    }
    throw;
  }

  std::vector<std::optional<OutputReport>> done(plans.size());
  for (size_t i = 0; i < plans.size(); ++i) {
    if (!branches[i]) continue;
    std::vector<OutputReport> reps = branches[i]->finish();
    size_t n = 0;
    for (size_t k = i; k < plans.size(); ++k) {
      if (encoded_by[k] == k && video_by[k] == i) done[k] = std::move(reps.at(n++));
    }
  }
  for (size_t i = 0; i < plans.size(); ++i) {
    if (encoded_by[i] != i) {
      report.outputs.push_back(share_encode(report.outputs[encoded_by[i]], plans[i]));
    } else {
      report.outputs.push_back(done[i] ? *done[i] : *early[i]);
    }
  }
  // A signal that arrives once every output is complete changes nothing: keep them.
  report.elapsed_s = elapsed();
  if (cutter) report.ranges = cutter->actual();
  if (smart) smart->finish(job, report);
  report.output_duration_us = p.duration_us;
  return report;
}

nlohmann::json to_json(const OutputPlan& plan) {
  const VideoEncoderSettings& v = plan.video;
  nlohmann::json j = {
      {"preset", plan.preset},
      {"output", plan.path.string()},
      {"reframe", to_string(plan.geometry.mode)},
      {"crop",
       {{"x", plan.geometry.crop.x_px},
        {"y", plan.geometry.crop.y_px},
        {"width", plan.geometry.crop.width_px},
        {"height", plan.geometry.crop.height_px}}},
      {"video_filters", plan.video_filters},
      {"audio_filters", plan.audio_filters},
      {"fill_filters", plan.smart_filters.fill.empty() ? nlohmann::json()
                                                       : nlohmann::json(plan.smart_filters.fill)},
      {"video",
       {{"codec", v.codec},
        {"width", v.width_px},
        {"height", v.height_px},
        {"fps", std::to_string(v.frame_rate.num) + "/" + std::to_string(v.frame_rate.den)},
        {"profile", v.profile},
        {"level", v.level},
        {"preset", v.preset},
        {"crf", v.crf},
        {"maxrate", v.maxrate_bps},
        {"bufsize", v.bufsize_bits},
        {"gop_frames", v.gop_frames},
        {"bframes", v.bframes},
        {"threads", v.threads}}},
      {"audio", plan.has_audio ? nlohmann::json{{"codec", plan.audio.codec},
                                                {"bitrate", plan.audio.bitrate_bps},
                                                {"sample_rate", plan.audio.sample_rate_hz},
                                                {"channels", plan.audio.channels},
                                                {"silent", plan.silent_audio}}
                               : nlohmann::json()},
      {"warnings", plan.warnings},
      {"same_encode_as", plan.same_encode_as.empty()
                             ? nlohmann::json()
                             : nlohmann::json(plan.same_encode_as.string())},
      {"same_video_as", plan.same_video_as.empty() ? nlohmann::json()
                                                   : nlohmann::json(plan.same_video_as.string())}};
  return j;
}

nlohmann::json to_json(const MediaInfo& in) {
  nlohmann::json j = {{"path", in.path.string()},
                      {"format", in.format_name},
                      {"duration_seconds", in.duration_us / 1e6},
                      {"start_seconds", in.start_us / 1e6},
                      {"bit_rate", in.bit_rate},
                      {"size_bytes", in.size_bytes}};
  if (in.video) {
    const VideoInfo& v = *in.video;
    j["video"] = {{"index", v.index},
                  {"codec", v.codec},
                  {"profile", v.profile},
                  {"pix_fmt", v.pix_fmt},
                  {"width", v.width_px},
                  {"height", v.height_px},
                  {"display_width", v.display_width_px()},
                  {"display_height", v.display_height_px()},
                  {"sar", std::to_string(v.sar.num) + ":" + std::to_string(v.sar.den)},
                  {"frame_rate", std::to_string(v.avg_frame_rate.num) + "/" +
                                     std::to_string(v.avg_frame_rate.den)},
                  {"nominal_frame_rate",
                   std::to_string(v.r_frame_rate.num) + "/" + std::to_string(v.r_frame_rate.den)},
                  {"variable_frame_rate", v.variable_frame_rate},
                  {"rotation", v.rotation_deg},
                  {"interlaced", v.interlaced},
                  {"frames", v.frame_count},
                  {"bit_rate", v.bit_rate},
                  {"color_space", v.color_space},
                  {"color_primaries", v.color_primaries},
                  {"color_transfer", v.color_transfer},
                  {"color_range", v.color_range}};
  }
  if (in.audio) {
    const AudioInfo& a = *in.audio;
    j["audio"] = {{"index", a.index},
                  {"codec", a.codec},
                  {"sample_rate", a.sample_rate_hz},
                  {"channels", a.channels},
                  {"channel_layout", a.channel_layout},
                  {"bit_rate", a.bit_rate}};
  }
  nlohmann::json streams = nlohmann::json::array();
  for (const auto& s : in.streams) {
    streams.push_back({{"index", s.index}, {"type", s.type}, {"codec", s.codec}});
  }
  j["streams"] = streams;
  return j;
}

nlohmann::json to_json(const PackageReport& r) {
  nlohmann::json outs = nlohmann::json::array();
  for (const auto& o : r.outputs) {
    outs.push_back(
        {{"preset", o.preset},
         {"path", o.path.string()},
         {"ok", o.ok},
         {"error", o.error.empty() ? nlohmann::json() : nlohmann::json(o.error)},
         {"size_bytes", o.size_bytes},
         {"video_frames", o.video_frames},
         {"warnings", o.warnings},
         // "shared": no encode of its own, made from shared_from's (as a hard
         // link or a copy), so identical content.
         {"encode", o.shared_from.empty() ? "own" : "shared"},
         {"shared_from",
          o.shared_from.empty() ? nlohmann::json() : nlohmann::json(o.shared_from.string())},
         {"shared_as", o.shared_from.empty() ? nlohmann::json()
                                             : nlohmann::json(o.hard_link ? "hard link" : "copy")},
         // Its own audio and muxing, the video packets of another output's
         // encode (presets that differ only in audio or tags).
         {"video_shared_from", o.video_shared_from.empty()
                                   ? nlohmann::json()
                                   : nlohmann::json(o.video_shared_from.string())}});
    if (!o.reframe_shots.empty()) add_smart_reframe(outs.back(), o);
  }
  nlohmann::json ranges = nlohmann::json::array();
  for (const TimeRange& t : r.ranges) {
    ranges.push_back({{"start_seconds", t.start_us / 1e6}, {"end_seconds", t.end_us / 1e6}});
  }
  nlohmann::json analysis;
  if (r.analysis.ran) {
    analysis = {
        {"cache", r.analysis.cache},
        {"cache_file", r.analysis.cache_file.empty()
                           ? nlohmann::json()
                           : nlohmann::json(r.analysis.cache_file.string())},
        {"cache_pruned",
         {{"entries", r.analysis.cache_pruned_entries}, {"bytes", r.analysis.cache_pruned_bytes}}},
        {"decode", r.analysis.decode},
        {"decoded_again_from_seconds", r.analysis.decoded_again_from_s
                                           ? nlohmann::json(*r.analysis.decoded_again_from_s)
                                           : nlohmann::json()},
        {"warnings", r.analysis.warnings}};
  }
  nlohmann::json j = {{"input", r.input.path.string()},
                      {"ok", r.ok()},
                      {"analysis", analysis},
                      {"ranges", ranges},
                      {"frames_decoded", r.frames_decoded},
                      {"elapsed_seconds", r.elapsed_s},
                      {"outputs", outs}};
  if (!r.face_detector.empty()) j["face_detector"] = r.face_detector;
  return j;
}

}  // namespace reelpack
