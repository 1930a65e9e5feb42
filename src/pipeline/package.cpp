#include "pipeline/package.h"

extern "C" {
#include <libavutil/channel_layout.h>
#include <libavutil/pixdesc.h>
#include <libavutil/samplefmt.h>
}

#include <algorithm>
#include <chrono>
#include <exception>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "media/av_error.h"
#include "media/filter_graph.h"
#include "media/output.h"
#include "pipeline/filters.h"
#include "pipeline/smart_reframe.h"
#include "util/atomic_file.h"
#include "util/bounded_queue.h"
#include "util/cancel.h"
#include "util/error.h"

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
  const AVRational r = v.avg_frame_rate.num > 0 && !v.variable_frame_rate ? v.avg_frame_rate
                                                                          : v.r_frame_rate;
  const Rational fps{r.num, r.den > 0 ? r.den : 1};
  return {{"video.width", std::to_string(even(v.display_width_px()))},
          {"video.height", std::to_string(even(v.display_height_px()))},
          {"video.fps", fps.num > 0 ? fps.to_string() : "30"},
          {"video.crf", "18"},
          {"video.maxrate", "0"},
          {"video.bufsize", "0"},
          {"audio.bitrate", "192k"}};
}

std::vector<TimeRange> resolve_ranges(const MediaInfo& in, const PackageJob& job) {
  std::vector<TimeRange> out;
  if (job.ranges.empty()) return out;
  Rational fps{0, 1};
  if (in.video) {
    const AVRational r = in.video->avg_frame_rate.num > 0 ? in.video->avg_frame_rate
                                                          : in.video->r_frame_rate;
    fps = {r.num, r.den > 0 ? r.den : 1};
  }
  for (const RangeSpec& spec : job.ranges) out.push_back(resolve_range(spec, fps, in.duration_us, in.video ? in.video->start_us : 0));
  return out;
}

std::vector<OutputPlan> plan_package(const MediaInfo& in, const PackageJob& job) {
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
      plan.video_filters = video_filter_chain(plan.geometry, traits, p.video.fps, p.video.pix_fmt);
      if (job.reframe == ReframeMode::Smart) {
        // Shots the camera cannot frame are drawn as --reframe blur draws every frame.
        const ReframePlan fill = plan_reframe(src, sar, out, ReframeMode::Blur);
        plan.smart_filters =
            smart_filter_chains(plan.geometry, fill, traits, p.video.fps, p.video.pix_fmt);
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
  // Outputs whose presets encode identically share one encode: the first of them is
  // encoded, the others are made from it (see share_encode()).
  std::map<std::string, size_t> first_with;
  for (size_t i = 0; i < plans.size(); ++i) {
    const auto [it, first] = first_with.emplace(job.outputs[i].preset.encoding_fingerprint(), i);
    if (!first) plans[i].same_encode_as = plans[it->second].path;
  }
  // Several encoders run side by side: share the cores between them instead of letting
  // each start its own thread per core, which only adds frame-thread overhead and memory.
  const auto encodes = static_cast<unsigned>(std::count_if(
      plans.begin(), plans.end(), [](const OutputPlan& p) { return p.same_encode_as.empty(); }));
  if (encodes > 1) {
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    for (OutputPlan& p : plans) p.video.threads = static_cast<int>(std::max(1u, cores / encodes));
  }
  return plans;
}

namespace {

// Thrown inside the decode callback to stop reading once no output is left to feed.
struct AllOutputsFailed {};

struct Item {
  StreamKind kind;
  av::FramePtr frame;  // null: end of that stream
};

// One output: its own filter graphs, encoders and muxer, run by its own worker thread.
class OutputBranch {
 public:
  // `for_presets` names every preset this encode serves (the comment tag says so).
  OutputBranch(OutputPlan plan, const InputFile& input, const PackageJob& job,
               const std::string& for_presets)
      : plan_(std::move(plan)), file_(plan_.path), queue_(16) {
    name_ = plan_.path.string();
    input_video_tb_ = input.video_time_base();
    input_audio_tb_ = input.audio_time_base();
    sar_ = input.info().video->sar;
    mux_ = std::make_unique<Muxer>(file_.temp_path(), plan_.container, name_);
    video_enc_.emplace(Encoder::video(plan_.video, mux_->wants_global_header(), name_));
    video_stream_ = mux_->add_stream(*video_enc_);
    if (plan_.has_audio) {
      audio_enc_.emplace(Encoder::audio(plan_.audio, mux_->wants_global_header(), name_));
      audio_stream_ = mux_->add_stream(*audio_enc_);
    }
    auto meta = job.metadata;
    meta.emplace("comment", "packaged by reelpack " REELPACK_VERSION " for " + for_presets);
    mux_->start(meta);
    frame_ = av::make_frame();
    video_done_ = false;
    audio_done_ = !plan_.has_audio || plan_.silent_audio;
  }

  ~OutputBranch() {
    queue_.abort();
    if (worker_.joinable()) worker_.join();
  }

  void start() {
    worker_ = std::thread([this] { run(); });
  }

  // Called by the decoder thread. Returns false once this output has failed.
  bool offer(StreamKind kind, const AVFrame* frame) {
    if (failed_.load()) return false;
    if (kind == StreamKind::Audio && (!plan_.has_audio || plan_.silent_audio)) return true;
    av::FramePtr copy;
    if (frame) {
      copy.reset(av_frame_clone(frame));  // a new reference, not a copy of the pixels
      if (!copy) throw std::bad_alloc();
    }
    return queue_.push({kind, std::move(copy)});
  }

  void close_input() { queue_.close(); }
  void abort() { queue_.abort(); }
  // --reframe smart: each frame is cropped to its own window before the filter graph.
  void crop_with(std::shared_ptr<const FrameWindows> windows) { windows_ = std::move(windows); }

  // Joins the worker; on success renames the temporary into place.
  OutputReport finish() {
    if (worker_.joinable()) worker_.join();
    OutputReport r;
    r.preset = plan_.preset;
    r.path = plan_.path;
    r.video_frames = frames_out_;
    r.warnings = plan_.warnings;
    if (error_) {
      try {
        std::rethrow_exception(error_);
      } catch (const std::exception& e) {
        r.error = e.what();
      }
      file_.discard();
      return r;
    }
    if (!completed_) {
      r.error = "incomplete output";  // the input ended early: never commit half a file
      file_.discard();
      return r;
    }
    file_.commit();
    std::error_code ec;
    r.size_bytes = static_cast<int64_t>(fs::file_size(plan_.path, ec));
    r.ok = true;
    return r;
  }

 private:
  void run() {
    try {
      while (auto item = queue_.pop()) {
        if (item->kind == StreamKind::Video) {
          on_video(item->frame.get());
        } else {
          on_audio(item->frame.get());
        }
        if (video_done_ && audio_done_) {
          finalize();
          return;
        }
      }
    } catch (...) {
      error_ = std::current_exception();
      failed_.store(true);
      queue_.abort();  // unblock the producer; it skips this output from now on
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
        flush_video();
        return;
      }
      video_graph_.emplace(FilterGraph::video(frame, input_video_tb_, sar_, plan_.video_filters, name_));
    }
    video_graph_->push(frame);
    encode_ready(*video_graph_);
    if (!frame) {
      video_done_ = true;
      flush_video();
    }
  }

  // Encodes every frame `graph` has ready.
  void encode_ready(FilterGraph& graph) {
    while (graph.pull(frame_.get())) {
      frame_->pts =
          av_rescale_q(frame_->pts, graph.output_time_base(), video_enc_->time_base());
      frame_->pict_type = AV_PICTURE_TYPE_NONE;
      encode_video(frame_.get());
      video_end_pts_ = frame_->pts + 1;
      av_frame_unref(frame_.get());
      if (plan_.silent_audio) add_silence_until(video_end_pts_);
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
        video_graph_.emplace(FilterGraph::video(frame, input_video_tb_, sar_,
                                                plan_.smart_filters.source, name_));
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
      flush_video();
    }
  }

  void draw_smart(AVFrame* whole) {
    const auto source_pts = static_cast<int64_t>(reinterpret_cast<intptr_t>(whole->opaque));
    const Rect& window = windows_->at(source_pts);
    const bool fill = windows_->is_fill(window);
    // `whole` is this output's own reference: cropping it moves only its data pointers,
    // never pixels another output shares.
    if (!fill) crop_to_window(whole, window, name_);
    std::optional<FilterGraph>& graph = fill ? fill_graph_ : window_graph_;
    if (!graph) {
      graph.emplace(FilterGraph::video(whole, video_graph_->output_time_base(),
                                       whole->sample_aspect_ratio,
                                       fill ? plan_.smart_filters.fill : plan_.smart_filters.window,
                                       name_));
    }
    graph->push(whole);
    encode_ready(*graph);
  }

  void on_audio(AVFrame* frame) {
    if (!audio_graph_) {
      if (!frame) {
        audio_done_ = true;
        flush_audio();
        return;
      }
      audio_graph_.emplace(FilterGraph::audio(frame, input_audio_tb_, plan_.audio_filters,
                                              audio_enc_->frame_size(), name_));
    }
    audio_graph_->push(frame);
    while (audio_graph_->pull(frame_.get())) {
      frame_->pts = av_rescale_q(frame_->pts, audio_graph_->output_time_base(),
                                 audio_enc_->time_base());
      encode_audio(frame_.get());
      av_frame_unref(frame_.get());
    }
    if (!frame) {
      audio_done_ = true;
      flush_audio();
    }
  }

  void encode_video(const AVFrame* f) {
    if (f) ++frames_out_;
    video_enc_->send(f, [&](AVPacket* pkt) { mux_->write(pkt, video_stream_, video_enc_->time_base()); });
  }
  void encode_audio(const AVFrame* f) {
    audio_enc_->send(f, [&](AVPacket* pkt) { mux_->write(pkt, audio_stream_, audio_enc_->time_base()); });
  }

  void flush_video() { encode_video(nullptr); }
  void flush_audio() { encode_audio(nullptr); }

  // Generated silence for inputs without audio, kept in step with the video so the
  // muxer never has to buffer one stream while waiting for the other. Whole encoder
  // frames while the video runs; at the end (`last`) one short frame lands exactly on
  // the video's end, so the track is no longer than the picture.
  void add_silence_until(int64_t video_end_pts, bool last = false) {
    const AVRational vtb = video_enc_->time_base();
    const int rate = plan_.audio.sample_rate_hz;
    const int64_t target = av_rescale_q(video_end_pts, vtb, {1, rate});
    const int frame_size = audio_enc_->frame_size() > 0 ? audio_enc_->frame_size() : 1024;
    for (;;) {
      const int64_t left = target - silence_next_;
      const int n = static_cast<int>(std::min<int64_t>(left, frame_size));
      if (n <= 0 || (n < frame_size && !last)) return;
      av::FramePtr s = av::make_frame();
      s->nb_samples = n;
      s->format = audio_enc_->context()->sample_fmt;
      s->sample_rate = rate;
      av::check(av_channel_layout_copy(&s->ch_layout, &audio_enc_->context()->ch_layout),
                "set up silence", name_);
      av::check(av_frame_get_buffer(s.get(), 0), "allocate silence", name_);
      av_samples_set_silence(s->extended_data, 0, n, s->ch_layout.nb_channels,
                             static_cast<AVSampleFormat>(s->format));
      s->pts = silence_next_;
      silence_next_ += n;
      encode_audio(s.get());
    }
  }

  void finalize() {
    if (plan_.silent_audio) {
      add_silence_until(video_end_pts_, true);
      flush_audio();
    }
    mux_->finish();
    completed_ = true;
  }

  OutputPlan plan_;
  AtomicFile file_;
  std::string name_;
  AVRational input_video_tb_{1, 1}, input_audio_tb_{1, 1}, sar_{1, 1};
  std::unique_ptr<Muxer> mux_;
  std::optional<Encoder> video_enc_, audio_enc_;
  std::optional<FilterGraph> video_graph_, audio_graph_;
  // --reframe smart: video_graph_ runs the source chain; these draw its frames.
  std::optional<FilterGraph> window_graph_, fill_graph_;
  av::FramePtr whole_ = av::make_frame();
  std::shared_ptr<const FrameWindows> windows_;
  int video_stream_ = -1, audio_stream_ = -1;
  av::FramePtr frame_;
  int64_t silence_next_ = 0;
  int64_t video_end_pts_ = 0;  // end of the last encoded frame, encoder time base
  int64_t frames_out_ = 0;
  bool video_done_ = false, audio_done_ = false, completed_ = false;
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
        throw ProcessingError(plan.path.string() + ": cannot copy " + encoded.path.string() +
                              " (" + ec.message() + "); check free space and permissions");
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
  if (job.outputs.empty()) throw UsageError("no preset given; add -p NAME (see `reelpack presets list`)");
  const auto t0 = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  InputFile input(job.input);
  PackageReport report;
  report.input = input.info();
  const std::vector<OutputPlan> plans = plan_package(input.info(), job);
  const std::vector<TimeRange> ranges = resolve_ranges(input.info(), job);
  int64_t duration_us = report.input.duration_us;
  if (!ranges.empty()) {
    duration_us = 0;
    for (const TimeRange& r : ranges) duration_us += r.length_us();
  }
  // --reframe smart: an analysis pass places every output's window before the encode.
  AnalysisProgress analysing;
  if (progress) {
    analysing = [&, start_s = elapsed()](int64_t frames, int64_t position_us) {
      progress({ProgressPhase::Analysing, position_us, duration_us, frames, elapsed() - start_s});
    };
  }
  const auto smart = SmartReframe::prepare(job, ranges, plans, analysing);
  const double encode_start_s = elapsed();

  // Outputs whose setup fails (encoder refuses the settings, folder not writable) are
  // reported and the others still run.
  // Outputs that share another's encode get no branch of their own.
  std::vector<std::unique_ptr<OutputBranch>> branches;
  std::vector<std::optional<OutputReport>> early(plans.size());
  std::vector<size_t> encoded_by(plans.size());
  for (size_t i = 0; i < plans.size(); ++i) {
    encoded_by[i] = i;
    for (size_t j = 0; j < i; ++j) {
      if (!plans[i].same_encode_as.empty() && plans[j].path == plans[i].same_encode_as) {
        encoded_by[i] = j;
      }
    }
  }
  for (size_t i = 0; i < plans.size(); ++i) {
    if (encoded_by[i] != i) {
      branches.push_back(nullptr);
      continue;
    }
    std::string for_presets = plans[i].preset;
    for (size_t j = i + 1; j < plans.size(); ++j) {
      if (encoded_by[j] == i) for_presets += ", " + plans[j].preset;
    }
    try {
      branches.push_back(std::make_unique<OutputBranch>(plans[i], input, job, for_presets));
      if (smart) branches.back()->crop_with(smart->windows(i));
    } catch (const Error& e) {
      branches.push_back(nullptr);
      OutputReport r;
      r.preset = plans[i].preset;
      r.path = plans[i].path;
      r.error = e.what();
      r.warnings = plans[i].warnings;
      early[i] = std::move(r);
    }
  }
  for (auto& b : branches) {
    if (b) b->start();
  }

  Progress p;
  p.duration_us = duration_us;
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
    const InputFile::FrameSink feed = [&](StreamKind kind, AVFrame* frame) {
        if (kind == StreamKind::Video && frame) {
          ++report.frames_decoded;
          p.frames = report.frames_decoded;
          p.position_us = av_rescale_q(frame->pts, vtb, AV_TIME_BASE_Q);
          p.elapsed_s = elapsed() - encode_start_s;
          if (progress) progress(p);
        }
        bool any = false;
        for (auto& b : branches) {
          if (b && b->offer(kind, frame)) any = true;
        }
        // Every output failed: stop reading. The reports say why.
        if (!any) throw AllOutputsFailed{};
    };
    if (live()) {
      if (cutter) {
        cutter->run(feed);
      } else {
        input.decode(feed);
      }
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

  for (size_t i = 0; i < branches.size(); ++i) {
    if (encoded_by[i] != i) {
      report.outputs.push_back(share_encode(report.outputs[encoded_by[i]], plans[i]));
    } else {
      report.outputs.push_back(branches[i] ? branches[i]->finish() : *early[i]);
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
      {"crop", {{"x", plan.geometry.crop.x_px}, {"y", plan.geometry.crop.y_px},
                {"width", plan.geometry.crop.width_px}, {"height", plan.geometry.crop.height_px}}},
      {"video_filters", plan.video_filters},
      {"audio_filters", plan.audio_filters},
      {"fill_filters", plan.smart_filters.fill.empty() ? nlohmann::json()
                                                       : nlohmann::json(plan.smart_filters.fill)},
      {"video", {{"codec", v.codec}, {"width", v.width_px}, {"height", v.height_px},
                 {"fps", std::to_string(v.frame_rate.num) + "/" + std::to_string(v.frame_rate.den)},
                 {"profile", v.profile}, {"level", v.level}, {"preset", v.preset}, {"crf", v.crf},
                 {"maxrate", v.maxrate_bps}, {"bufsize", v.bufsize_bits},
                 {"gop_frames", v.gop_frames}, {"bframes", v.bframes},
                 {"threads", v.threads}}},
      {"audio", plan.has_audio ? nlohmann::json{{"codec", plan.audio.codec},
                                                {"bitrate", plan.audio.bitrate_bps},
                                                {"sample_rate", plan.audio.sample_rate_hz},
                                                {"channels", plan.audio.channels},
                                                {"silent", plan.silent_audio}}
                               : nlohmann::json()},
      {"warnings", plan.warnings},
      {"same_encode_as", plan.same_encode_as.empty() ? nlohmann::json()
                                                     : nlohmann::json(plan.same_encode_as.string())}};
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
                  {"nominal_frame_rate", std::to_string(v.r_frame_rate.num) + "/" +
                                             std::to_string(v.r_frame_rate.den)},
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
    j["audio"] = {{"index", a.index},          {"codec", a.codec},
                  {"sample_rate", a.sample_rate_hz}, {"channels", a.channels},
                  {"channel_layout", a.channel_layout}, {"bit_rate", a.bit_rate}};
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
    outs.push_back({{"preset", o.preset},
                    {"path", o.path.string()},
                    {"ok", o.ok},
                    {"error", o.error.empty() ? nlohmann::json() : nlohmann::json(o.error)},
                    {"size_bytes", o.size_bytes},
                    {"video_frames", o.video_frames},
                    {"warnings", o.warnings},
                    // "shared": no encode of its own, made from shared_from's (as a hard
                    // link or a copy), so identical content.
                    {"encode", o.shared_from.empty() ? "own" : "shared"},
                    {"shared_from", o.shared_from.empty() ? nlohmann::json()
                                                          : nlohmann::json(o.shared_from.string())},
                    {"shared_as", o.shared_from.empty() ? nlohmann::json()
                                  : nlohmann::json(o.hard_link ? "hard link" : "copy")}});
    if (!o.reframe_shots.empty()) add_smart_reframe(outs.back(), o);
  }
  nlohmann::json ranges = nlohmann::json::array();
  for (const TimeRange& t : r.ranges) {
    ranges.push_back({{"start_seconds", t.start_us / 1e6}, {"end_seconds", t.end_us / 1e6}});
  }
  nlohmann::json j = {{"input", r.input.path.string()},
                      {"ok", r.ok()},
                      {"ranges", ranges},
                      {"frames_decoded", r.frames_decoded},
                      {"elapsed_seconds", r.elapsed_s},
                      {"outputs", outs}};
  if (!r.face_detector.empty()) j["face_detector"] = r.face_detector;
  return j;
}

}  // namespace reelpack
