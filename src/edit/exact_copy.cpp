#include "edit/exact_copy.h"

extern "C" {
#include <libavformat/avformat.h>
#include <libavutil/mathematics.h>
}

#include <algorithm>
#include <cstring>
#include <deque>
#include <memory>
#include <optional>
#include <set>

#include "core/atomic_file.h"
#include "core/error.h"
#include "edit/copy_io.h"
#include "edit/exact_plan.h"
#include "media/av_error.h"
#include "media/h264_bitstream.h"
#include "media/h264_match.h"
#include "media/output.h"
#include "media/video_decoder.h"

namespace reelpack {
namespace fs = std::filesystem;

namespace {
constexpr AVRational kMicros{1, 1'000'000};

// No H.264 frame is shown after more than 16 frames that follow it in decode order
// (max_num_reorder_frames <= MaxDpbFrames <= 16): once 17 packets at or past END have been
// read, none still to come lies inside the range.
constexpr int kMaxReorderFrames = 16;

// The source's streams and how its times read.
struct Source {
  Source(InputFile& in, const fs::path& path) : input(in), name(path.string()) {
    const MediaInfo& info = in.info();
    video = info.video->index;
    audio = info.audio ? info.audio->index : -1;
    video_stream = in.format()->streams[video];
    vtb = video_stream->time_base;
    atb = audio >= 0 ? in.format()->streams[audio]->time_base : AVRational{1, 1};
    base_v = av_rescale_q(info.start_us, AV_TIME_BASE_Q, vtb);
    base_a = av_rescale_q(info.start_us, AV_TIME_BASE_Q, atb);
    const AVCodecParameters* par = video_stream->codecpar;
    length_size = h264::avcc_length_size(par->extradata, static_cast<size_t>(par->extradata_size));
    // Container timestamps are rounded to their time base: a frame within half a tick of
    // START or END is the frame at that instant (as edit/ranges.cpp counts).
    tolerance_us = av_rescale_q(1, vtb, kMicros) / 2;
    fps = info.video->nominal_frame_rate();
    first_frame_us = info.video->start_us;
  }

  int64_t to_us(int64_t pts) const { return av_rescale_q(pts, vtb, kMicros); }
  // The frame number --range would give the frame at `pts` (on the nominal frame grid).
  int64_t frame_number(int64_t pts) const {
    if (fps.num <= 0) return -1;
    return av_rescale_rnd(to_us(pts) - first_frame_us, fps.num, int64_t{fps.den} * 1'000'000,
                          AV_ROUND_NEAR_INF);
  }
  // -1, 0 or 1 as a frame at `pts` is shown before the range, inside it or at/after its end.
  int side_of(int64_t pts, const TimeRange& range) const {
    const int64_t t = to_us(pts);
    if (t < range.start_us - tolerance_us) return -1;
    return t < range.end_us - tolerance_us ? 0 : 1;
  }

  InputFile& input;
  std::string name;  // for messages
  int video = -1;
  int audio = -1;  // -1: none
  const AVStream* video_stream = nullptr;
  AVRational vtb{1, 1};
  AVRational atb{1, 1};
  int64_t base_v = 0;  // the file's start in each time base: source times count from it
  int64_t base_a = 0;
  int length_size = 0;  // of the NAL unit lengths in packets; 0: Annex B
  int64_t tolerance_us = 0;
  Rational fps;
  int64_t first_frame_us = 0;
};

int64_t packet_pts(const AVPacket* pkt) {
  return pkt->pts != AV_NOPTS_VALUE ? pkt->pts : pkt->dts;
}

// The parameter sets of a stream: their ids, and the first SPS's profile and level.
struct ParameterSets {
  std::set<int> ids;  // SPS and PPS ids in use (x264 gives a new pair one id for both)
  std::optional<h264::SpsHeader> first_sps;

  void note(const std::vector<h264::Nal>& nals) {
    for (const h264::Nal& n : nals) {
      if (n.type() == h264::kSps) {
        const std::optional<h264::SpsHeader> sps = h264::parse_sps(n);
        if (!sps) continue;
        ids.insert(sps->id);
        if (!first_sps) first_sps = sps;
      } else if (n.type() == h264::kPps) {
        const int id = h264::pps_id(n);
        if (id >= 0) ids.insert(id);
      }
    }
  }
  // The smallest id from 1 that neither an SPS nor a PPS uses; -1 when none is free.
  int free_id() const {
    for (int id = 1; id <= 31; ++id) {
      if (!ids.count(id)) return id;
    }
    return -1;
  }
};

ParameterSets extradata_parameter_sets(const AVCodecParameters* par) {
  ParameterSets ps;
  const auto size = static_cast<size_t>(par->extradata_size);
  if (const std::optional<h264::AvcConfig> c = h264::AvcConfig::parse(par->extradata, size)) {
    for (const auto* units : {&c->sps, &c->pps}) {
      for (const h264::Bytes& b : *units) ps.note({h264::Nal{b.data(), b.size()}});
    }
  } else {
    ps.note(h264::split(par->extradata, size, 0));
  }
  return ps;
}

// One range as planned: its video packets in decode order from the keyframe before START
// to past END, and what is copied and re-encoded.
struct ScannedRange {
  TimeRange want;
  std::vector<PacketFact> packets;
  ExactPlan plan;
  // How far an IDR's decode time runs ahead of its presentation (video time base): the
  // stream's reorder delay, which re-encoded frames (never reordered) take on too.
  int64_t reorder_delay = 0;
};

// Reads the range's packets (no decoding) and plans it.
ScannedRange scan_range(const Source& s, const TimeRange& want, ParameterSets& ps, AVPacket* pkt) {
  ScannedRange r;
  r.want = want;
  seek_to_keyframe_before(s.input, s.video, want.start_us, pkt);
  int past_end = 0;
  bool done = false;
  while (!done && s.input.read_packet(pkt)) {
    if (pkt->stream_index == s.video && (!r.packets.empty() || (pkt->flags & AV_PKT_FLAG_KEY))) {
      const int64_t pts = packet_pts(pkt);
      if (pts == AV_NOPTS_VALUE) {
        av_packet_unref(pkt);
        throw ProcessingError(s.name +
                              ": video packets without timestamps; use cut without --copy");
      }
      PacketFact f;
      f.pts = pts - s.base_v;
      f.dts = (pkt->dts != AV_NOPTS_VALUE ? pkt->dts : pts) - s.base_v;
      f.duration = pkt->duration;
      f.key = pkt->flags & AV_PKT_FLAG_KEY;
      if (f.key) {
        const std::vector<h264::Nal> nals =
            h264::split(pkt->data, static_cast<size_t>(pkt->size), s.length_size);
        f.idr = h264::has_idr_slice(nals);
        ps.note(nals);
      }
      f.side = s.side_of(f.pts, want);
      if (f.idr) r.reorder_delay = std::max(r.reorder_delay, f.pts - f.dts);
      r.packets.push_back(f);
      if (f.side > 0) done = f.idr || ++past_end > kMaxReorderFrames;
    }
    av_packet_unref(pkt);
  }
  r.plan = plan_exact_range(r.packets);
  return r;
}

// Writes the video of every range: copied packets shifted onto the output timeline,
// re-encoded ones rewritten in the source's NAL format; decode times kept increasing.
class VideoOut {
 public:
  VideoOut(Muxer& mux, int stream, const Source& s, int64_t reorder_delay,
           std::vector<h264::Bytes> head_parameter_sets)
      : mux_(mux),
        stream_(stream),
        s_(s),
        delay_(reorder_delay),
        head_parameter_sets_(std::move(head_parameter_sets)) {}

  void copied(AVPacket* pkt, int64_t shift) {
    if (pkt->pts == AV_NOPTS_VALUE) pkt->pts = pkt->dts;
    pkt->pts -= shift;
    pkt->dts = pkt->dts != AV_NOPTS_VALUE ? pkt->dts - shift : pkt->pts;
    write(pkt);
  }

  // An encoder's packet (Annex B, pts on the output timeline). Without B-frames its frames
  // are not reordered, so its decode time is its presentation time less the source's
  // reorder delay: then it neither overtakes copied frames nor lags behind them.
  void reencoded(const AVPacket* pkt, int64_t duration, bool first_of_part) {
    std::vector<h264::Nal> nals;
    if (first_of_part && s_.length_size == 0) {  // Annex B: parameter sets travel in band
      for (const h264::Bytes& b : head_parameter_sets_) nals.push_back({b.data(), b.size()});
    }
    for (const h264::Nal& n : h264::split(pkt->data, static_cast<size_t>(pkt->size), 0)) {
      if (n.type() != h264::kSps && n.type() != h264::kPps) nals.push_back(n);
    }
    std::optional<h264::Bytes> data = h264::join_annexb(nals);
    if (s_.length_size > 0) data = h264::join_length_prefixed(nals, s_.length_size);
    if (!data) {
      throw ProcessingError(s_.name + ": a re-encoded frame is too large for the stream's " +
                            std::to_string(s_.length_size) +
                            "-byte NAL lengths; use cut without --copy");
    }
    av_packet_unref(out_.get());
    av::check(av_new_packet(out_.get(), static_cast<int>(data->size())), "allocate a packet",
              s_.name);
    std::memcpy(out_->data, data->data(), data->size());
    out_->pts = pkt->pts;
    out_->dts = pkt->pts - delay_;
    out_->duration = duration;
    out_->flags = pkt->flags & AV_PKT_FLAG_KEY;
    write(out_.get());
  }

 private:
  void write(AVPacket* pkt) {
    if (last_dts_ != AV_NOPTS_VALUE && pkt->dts <= last_dts_) pkt->dts = last_dts_ + 1;
    if (pkt->dts > pkt->pts) {
      throw ProcessingError(s_.name + ": cannot join re-encoded and copied frames at " +
                            format_time(s_.to_us(pkt->pts)) +
                            " of the output (decode times would run backwards); use cut "
                            "without --copy");
    }
    last_dts_ = pkt->dts;
    mux_.write(pkt, stream_, s_.vtb);
  }

  Muxer& mux_;
  const int stream_;
  const Source& s_;
  const int64_t delay_;
  const std::vector<h264::Bytes> head_parameter_sets_;
  int64_t last_dts_ = AV_NOPTS_VALUE;
  av::PacketPtr out_ = av::make_packet();
};

// Copies the audio packets that cover each range's video, placed end to end on the output
// timeline (no gap or overlap for players to trip on). Each range starts with the packet
// that begins nearest to where the output's audio has got to, so at every join the audio
// is within half a packet (10.7 ms for AAC at 48 kHz) of its picture.
class AudioOut {
 public:
  AudioOut(Muxer& mux, int stream, const Source& s)
      : mux_(mux), stream_(stream), s_(s), done_(s.audio < 0) {
    if (s.audio < 0) return;
    const AVCodecParameters* par = s.input.format()->streams[s.audio]->codecpar;
    const int samples = par->frame_size > 0 ? par->frame_size : 1024;
    if (par->sample_rate > 0)
      default_duration_ = av_rescale_q(samples, {1, par->sample_rate}, s.atb);
  }

  // The range's first frame and the end of its last (source timeline) and where it starts
  // on the output, in the video time base.
  void begin_range(int64_t start_v, int64_t end_v, int64_t offset_v) {
    if (s_.audio < 0) return;
    start_a_ = av_rescale_q(start_v, s_.vtb, s_.atb);
    offset_a_ = av_rescale_q(offset_v, s_.vtb, s_.atb);
    end_out_a_ = offset_a_ + av_rescale_q(end_v, s_.vtb, s_.atb) - start_a_;
    started_ = false;
    done_ = false;
  }

  bool done() const { return done_; }

  void packet(AVPacket* pkt) {
    if (done_ || pkt->pts == AV_NOPTS_VALUE) return;
    const int64_t duration = pkt->duration > 0 ? pkt->duration : default_duration_;
    const int64_t ideal = pkt->pts - s_.base_a - start_a_ + offset_a_;
    if (!started_) {
      if (ideal + duration / 2 < running_a_) return;  // a packet further from the join
      started_ = true;
    }
    if (running_a_ + duration / 2 >= end_out_a_) {  // mostly past the range's end
      done_ = true;
      return;
    }
    pkt->pts = pkt->dts = running_a_;
    pkt->duration = duration;
    running_a_ += duration;
    mux_.write(pkt, stream_, s_.atb);
  }

 private:
  Muxer& mux_;
  const int stream_;
  const Source& s_;
  int64_t default_duration_ = 1;
  int64_t running_a_ = 0;  // where the next packet goes on the output (audio time base)
  int64_t start_a_ = 0;
  int64_t offset_a_ = 0;
  int64_t end_out_a_ = 0;
  bool started_ = false;
  bool done_;
};

// How the re-encoded frames are made, and the parameter sets every encoder must write.
struct Reencoding {
  MatchedH264Settings settings;
  h264::Bytes extradata;  // of the first encoder opened: every part's must be the same
};

// One re-encoded part of a range: the source decoded from a keyframe, the part's frames
// moved onto the output timeline and encoded.
class PartEncode {
 public:
  PartEncode(const Source& s, const ReencodePart& part, const Reencoding& how, int64_t shift,
             VideoOut& out)
      : s_(s),
        part_(part),
        how_(how),
        shift_(shift),
        out_(out),
        decoder_(s.video_stream, s.name),
        encoder_(Encoder::h264_matching(how.settings, s.name)) {
    const AVCodecContext* c = encoder_.context();
    if (h264::Bytes(c->extradata, c->extradata + c->extradata_size) != how.extradata) {
      throw ProcessingError(s.name +
                            ": libx264 wrote other parameter sets for a second part; "
                            "use cut without --copy");
    }
  }

  const ReencodePart& part() const { return part_; }

  void send(const AVPacket* pkt) {
    decoder_.send(pkt, [this](AVFrame* f) { frame(f); });
  }

  // The end of the part: the frames the decoder and the encoder still hold come out.
  void finish() {
    decoder_.send(nullptr, [this](AVFrame* f) { frame(f); });
    encoder_.send(nullptr, [this](AVPacket* p) { packet(p); });
    if (frames_ != part_.frames) {
      throw ProcessingError(s_.name + ": decoded " + std::to_string(frames_) + " of the " +
                            std::to_string(part_.frames) + " frames to re-encode from " +
                            format_time(s_.to_us(part_.start_pts)) +
                            "; the file may be damaged; use cut without --copy");
    }
  }

 private:
  void frame(AVFrame* f) {
    const int64_t pts = f->pts - s_.base_v;  // source timeline
    if (pts < part_.start_pts || pts >= part_.end_pts) return;
    const MatchedH264Settings& m = how_.settings;
    if (f->format != m.pix_fmt || f->width != m.width_px || f->height != m.height_px) {
      throw ProcessingError(s_.name + ": the picture changes size or format at " +
                            format_time(s_.to_us(pts)) + "; use cut without --copy");
    }
    f->pts -= shift_;
    f->pict_type = AV_PICTURE_TYPE_NONE;  // let libx264 choose; a decoded B would be forced
    durations_.push_back({f->pts, f->pkt_duration});
    ++frames_;
    encoder_.send(f, [this](AVPacket* p) { packet(p); });
  }

  // Without B-frames packets come out in the order the frames went in.
  void packet(AVPacket* p) {
    int64_t duration = 0;
    if (!durations_.empty() && durations_.front().first == p->pts) {
      duration = durations_.front().second;
      durations_.pop_front();
    }
    out_.reencoded(p, duration, first_packet_);
    first_packet_ = false;
  }

  const Source& s_;
  const ReencodePart part_;
  const Reencoding& how_;
  const int64_t shift_;  // source pts minus output pts
  VideoOut& out_;
  VideoDecoder decoder_;
  Encoder encoder_;
  std::deque<std::pair<int64_t, int64_t>> durations_;  // output pts, source frame's duration
  int frames_ = 0;
  bool first_packet_ = true;
};

// Writes one planned range: re-encoded head, copied packets, re-encoded tail, and its audio,
// in one read from the keyframe before START.
class RangeSplice {
 public:
  RangeSplice(const Source& s, const ScannedRange& r, const Reencoding& how, int64_t offset_v,
              VideoOut& video, AudioOut& audio)
      : s_(s),
        r_(r),
        how_(how),
        shift_(s.base_v + r.plan.start_pts - offset_v),
        video_(video),
        audio_(audio) {
    audio_.begin_range(r.plan.start_pts, r.plan.end_pts, offset_v);
  }

  void run(AVPacket* pkt) {
    seek_to_keyframe_before(s_.input, s_.video, r_.want.start_us, pkt);
    const int needed = r_.plan.packets_needed();
    // Audio that ends before the range does is not waited for past this (files interleave
    // their streams far more closely).
    const int64_t audio_wait_end = r_.plan.end_pts + av_rescale_q(10'000'000, kMicros, s_.vtb);
    int index = -1;
    bool more = true;
    while (more && (index + 1 < needed || !audio_.done())) {
      if (!s_.input.read_packet(pkt)) break;
      if (pkt->stream_index == s_.video && (index >= 0 || (pkt->flags & AV_PKT_FLAG_KEY))) {
        if (++index < needed) {
          video(pkt, index);
        } else {
          more = packet_pts(pkt) - s_.base_v < audio_wait_end;
        }
      } else if (pkt->stream_index == s_.audio) {
        audio_.packet(pkt);
      }
      av_packet_unref(pkt);
    }
    if (part_) finish_part();
    if (index + 1 < needed) {
      throw ProcessingError(s_.name +
                            ": the file ended early when read a second time; copy it "
                            "again or use cut without --copy");
    }
  }

 private:
  void video(AVPacket* pkt, int i) {
    if (packet_pts(pkt) - s_.base_v != r_.packets[i].pts) {
      throw ProcessingError(s_.name +
                            ": reading a range again found other packets than "
                            "planning did; use cut without --copy");
    }
    const ExactPlan& plan = r_.plan;
    for (const auto* part : {&plan.head, &plan.tail}) {
      if (*part && i == (*part)->decode_from) {
        part_ = std::make_unique<PartEncode>(s_, **part, how_, shift_, video_);
      }
    }
    // Decode first: writing hands the packet over to the muxer.
    if (part_ && i < part_->part().decode_end) part_->send(pkt);
    if (plan.copy && i >= plan.copy->first && i < plan.copy->end) video_.copied(pkt, shift_);
    if (part_ && i == part_->part().decode_end - 1) finish_part();
  }

  void finish_part() {
    part_->finish();
    part_.reset();
  }

  const Source& s_;
  const ScannedRange& r_;
  const Reencoding& how_;
  const int64_t shift_;  // source pts (as read) minus output pts
  VideoOut& video_;
  AudioOut& audio_;
  std::unique_ptr<PartEncode> part_;  // the part being re-encoded, if any
};

CutPart cut_part(const Source& s, bool reencoded, int64_t start_pts, int64_t end_pts, int frames) {
  CutPart p;
  p.reencoded = reencoded;
  p.span = {s.to_us(start_pts), s.to_us(end_pts)};
  p.first_frame = s.frame_number(start_pts);
  p.end_frame = s.frame_number(end_pts);
  p.frames = frames;
  return p;
}

CopiedRange report_range(const Source& s, const ScannedRange& r) {
  const ExactPlan& plan = r.plan;
  CopiedRange c;
  c.requested = r.want;
  c.snapped = {s.to_us(plan.start_pts), s.to_us(plan.end_pts)};
  c.frames = plan.frames;
  if (plan.head) {
    c.parts.push_back(
        cut_part(s, true, plan.head->start_pts, plan.head->end_pts, plan.head->frames));
  }
  if (plan.copy) {
    c.parts.push_back(
        cut_part(s, false, plan.copy->start_pts, plan.copy->end_pts, plan.copy->frames));
  }
  if (plan.tail) {
    c.parts.push_back(
        cut_part(s, true, plan.tail->start_pts, plan.tail->end_pts, plan.tail->frames));
  }
  for (const PacketFact& f : r.packets) {
    if (f.idr) c.idr_us.push_back(s.to_us(f.pts));
  }
  std::sort(c.idr_us.begin(), c.idr_us.end());
  return c;
}

// Opens libx264 as the parts will be encoded and checks it writes what the source is; its
// parameter sets (Annex B) become every part's.
Reencoding prepare_reencoding(const Source& s, const CopyCutOptions& options,
                              const ParameterSets& source_sets) {
  Reencoding how;
  const Rational fps = s.fps.num > 0 ? s.fps : Rational{25, 1};
  how.settings = match_h264_stream(s.video_stream, {fps.num, fps.den}, s.name);
  how.settings.crf = options.crf;
  how.settings.preset = options.encoder_preset;
  how.settings.gop_frames = std::max(1, static_cast<int>(std::lround(fps.to_double() * 10)));
  how.settings.parameter_set_id = source_sets.free_id();
  if (how.settings.parameter_set_id < 0) {
    throw ProcessingError(s.name +
                          ": its H.264 uses every parameter-set id; use cut without "
                          "--copy");
  }
  const Encoder probe = Encoder::h264_matching(how.settings, s.name);
  const AVCodecContext* c = probe.context();
  how.extradata.assign(c->extradata, c->extradata + c->extradata_size);
  std::optional<h264::SpsHeader> ours;
  for (const h264::Nal& n : h264::split(how.extradata.data(), how.extradata.size(), 0)) {
    if (n.type() == h264::kSps) ours = h264::parse_sps(n);
  }
  const std::optional<h264::SpsHeader>& theirs = source_sets.first_sps;
  if (!ours || !theirs) {
    throw ProcessingError(s.name + ": cannot read the " + std::string(ours ? "source's" : "new") +
                          " sequence parameter set; use cut without --copy");
  }
  if (ours->profile_idc != theirs->profile_idc || ours->level_idc != theirs->level_idc ||
      ours->chroma_format_idc != theirs->chroma_format_idc ||
      ours->bit_depth_luma != theirs->bit_depth_luma) {
    throw ProcessingError(s.name + ": libx264 writes profile_idc " +
                          std::to_string(ours->profile_idc) + " level " +
                          std::to_string(ours->level_idc) + " where the source has " +
                          std::to_string(theirs->profile_idc) + " level " +
                          std::to_string(theirs->level_idc) + "; use cut without --copy");
  }
  return how;
}

// The output stream's extradata: the source's parameter sets and the re-encoded parts'.
h264::Bytes merged_extradata(const Source& s, const Reencoding& how,
                             std::vector<h264::Bytes>& head_sets) {
  for (const h264::Nal& n : h264::split(how.extradata.data(), how.extradata.size(), 0)) {
    if (n.type() == h264::kSps || n.type() == h264::kPps) head_sets.push_back(n.bytes());
  }
  const AVCodecParameters* par = s.video_stream->codecpar;
  const auto size = static_cast<size_t>(par->extradata_size);
  if (s.length_size == 0) {  // Annex B: the parts also carry theirs in band
    h264::Bytes out(par->extradata, par->extradata + size);
    std::vector<h264::Nal> nals;
    for (const h264::Bytes& b : head_sets) nals.push_back({b.data(), b.size()});
    const h264::Bytes more = h264::join_annexb(nals);
    out.insert(out.end(), more.begin(), more.end());
    return out;
  }
  h264::AvcConfig config = *h264::AvcConfig::parse(par->extradata, size);
  for (const h264::Bytes& b : head_sets) {
    (b[0] & 0x1f) == h264::kSps ? config.sps.push_back(b) : config.pps.push_back(b);
  }
  if (config.sps.size() > 31) {
    throw ProcessingError(s.name +
                          ": too many sequence parameter sets to add the re-encoded "
                          "frames'; use cut without --copy");
  }
  return config.serialize();
}

// Every range read and planned: what is copied and what re-encoded.
struct CutPlan {
  std::vector<ScannedRange> ranges;
  ParameterSets sets;         // the source's, from its extradata and the keyframes read
  int64_t reorder_delay = 0;  // the largest of the ranges'
  bool reencodes = false;
};

CutPlan plan_cut(const Source& s, const std::vector<RangeSpec>& specs, CopyCutReport& report,
                 AVPacket* pkt) {
  CutPlan plan;
  plan.sets = extradata_parameter_sets(s.video_stream->codecpar);
  const std::vector<TimeRange> wanted = resolve_ranges(s.input.info(), specs);  // cut lists' rule
  for (size_t i = 0; i < specs.size(); ++i) {
    plan.ranges.push_back(scan_range(s, wanted[i], plan.sets, pkt));
    const ScannedRange& r = plan.ranges.back();
    if (r.plan.frames == 0) {
      throw UsageError("--range " + specs[i].text + ": no frame is shown from START to END; " +
                       "widen the range");
    }
    plan.reorder_delay = std::max(plan.reorder_delay, r.reorder_delay);
    plan.reencodes = plan.reencodes || r.plan.head || r.plan.tail;
    report.ranges.push_back(report_range(s, r));
    report.output_duration_us += report.ranges.back().snapped.length_us();
  }
  return plan;
}

// Writes the planned ranges to `output` through a temporary renamed into place.
void write_cut(const Source& s, const CutPlan& plan, const CopyCutOptions& options,
               const fs::path& output, AVPacket* pkt) {
  std::optional<Reencoding> how;
  std::vector<h264::Bytes> head_sets;
  if (plan.reencodes) how = prepare_reencoding(s, options, plan.sets);

  AtomicFile file(output);
  Muxer mux(file.temp_path(), container_for(output), output.string());
  const int out_video = mux.add_stream(s.video_stream, s.name);
  const int out_audio =
      s.audio >= 0 ? mux.add_stream(s.input.format()->streams[s.audio], s.name) : -1;
  if (how) mux.set_extradata(out_video, merged_extradata(s, *how, head_sets));
  mux.start();

  VideoOut video(mux, out_video, s, plan.reorder_delay, head_sets);
  AudioOut audio(mux, out_audio, s);
  const Reencoding none;  // for ranges that need no re-encoding when none does
  int64_t offset_v = 0;   // where the current range starts on the output timeline
  for (const ScannedRange& r : plan.ranges) {
    RangeSplice(s, r, how ? *how : none, offset_v, video, audio).run(pkt);
    offset_v += r.plan.end_pts - r.plan.start_pts;
  }
  mux.finish();
  file.commit();
}

}  // namespace

CopyCutReport exact_copy_cut(const fs::path& input_path, const std::vector<RangeSpec>& specs,
                             const fs::path& output, const CopyCutOptions& options) {
  if (specs.empty()) throw UsageError("--copy needs at least one --range");
  container_for(output);  // an unknown extension fails before any work
  InputFile input(input_path, DecodeOptions::none());
  if (!input.info().video)
    throw UsageError(input_path.string() + ": --copy needs a video stream to cut on keyframes");
  const Source s(input, input_path);
  // Refuses what libx264 cannot continue before reading anything.
  match_h264_stream(s.video_stream, {1, 1}, s.name);

  CopyCutReport report;
  report.input = input_path;
  report.output = output;
  report.exact = true;
  report.dry_run = options.dry_run;
  av::PacketPtr pkt = av::make_packet();
  const CutPlan plan = plan_cut(s, specs, report, pkt.get());
  if (options.dry_run) return report;
  write_cut(s, plan, options, output, pkt.get());
  std::error_code ec;
  report.size_bytes = static_cast<int64_t>(fs::file_size(output, ec));
  return report;
}

}  // namespace reelpack
