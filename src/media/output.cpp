#include "media/output.h"

#include <cstring>

#include "core/error.h"
#include "media/av_error.h"
#include "media/local_file.h"

namespace reelpack {

Muxer::Muxer(const std::filesystem::path& path, const std::string& format,
             const std::string& display_name)
    : name_(display_name) {
  AVFormatContext* raw = nullptr;
  // The url is a file: url too, for the muxer's own second opens (MP4's faststart pass).
  av::check(avformat_alloc_output_context2(&raw, nullptr, format.c_str(), file_url(path).c_str()),
            "create the output container", name_);
  ctx_.reset(raw);
  ctx_->protocol_whitelist = av_strdup("file");
  if (!ctx_->protocol_whitelist) throw std::bad_alloc();
  av::Dict options = local_file_options();
  const int ret = avio_open2(&ctx_->pb, file_url(path).c_str(), AVIO_FLAG_WRITE, nullptr,
                             options.get_address());
  if (ret < 0) {
    throw ProcessingError(name_ + ": cannot write the output (" + av::error_text(ret) +
                          "); check that the folder exists and is writable");
  }
}

Muxer::~Muxer() = default;

bool Muxer::wants_global_header() const {
  return ctx_->oformat->flags & AVFMT_GLOBALHEADER;
}

int Muxer::add_stream(const Encoder& encoder) {
  return add_stream(encoder.context());
}

int Muxer::add_stream(const AVCodecContext* enc, const std::string& language) {
  AVStream* st = avformat_new_stream(ctx_.get(), nullptr);
  if (!st) throw std::bad_alloc();
  av::check(avcodec_parameters_from_context(st->codecpar, enc), "copy encoder parameters", name_);
  st->time_base = enc->time_base;
  if (enc->codec_type == AVMEDIA_TYPE_VIDEO) {
    st->avg_frame_rate = enc->framerate;
    st->sample_aspect_ratio = enc->sample_aspect_ratio;
  }
  if (!language.empty()) av_dict_set(&st->metadata, "language", language.c_str(), 0);
  return st->index;
}

int Muxer::add_stream(const AVStream* in, const std::string& input_name) {
  // Found here, before the header: avformat_write_header() would only say "Invalid
  // argument", about the output. 0 is a definite no; muxers without a codec list (MPEG-TS)
  // answer AVERROR_PATCHWELCOME, which is not.
  const AVCodecID codec = in->codecpar->codec_id;
  if (avformat_query_codec(ctx_->oformat, codec, FF_COMPLIANCE_NORMAL) == 0) {
    const char* type = av_get_media_type_string(in->codecpar->codec_type);
    throw ProcessingError(input_name + ": its " + avcodec_get_name(codec) + " " +
                          (type ? type : "stream") + " cannot be copied into " + name_ + " (" +
                          ctx_->oformat->name +
                          " cannot hold it); re-encode it instead (cut without --copy, "
                          "split with -p), or copy into .mkv");
  }
  AVStream* st = avformat_new_stream(ctx_.get(), nullptr);
  if (!st) throw std::bad_alloc();
  av::check(avcodec_parameters_copy(st->codecpar, in->codecpar), "copy stream parameters", name_);
  st->codecpar->codec_tag = 0;  // let the muxer pick a tag valid for this container
  st->time_base = in->time_base;
  st->avg_frame_rate = in->avg_frame_rate;
  st->sample_aspect_ratio = in->sample_aspect_ratio;
  // Rotation and other stream side data travel with a copied stream.
  for (int i = 0; i < in->nb_side_data; ++i) {
    const AVPacketSideData& sd = in->side_data[i];
    uint8_t* dst = av_stream_new_side_data(st, sd.type, sd.size);
    if (!dst) throw std::bad_alloc();
    std::memcpy(dst, sd.data, sd.size);
  }
  return st->index;
}

void Muxer::set_extradata(int stream, const std::vector<uint8_t>& extradata) {
  if (started_) throw std::logic_error("Muxer::set_extradata after start()");
  AVCodecParameters* par = ctx_->streams[stream]->codecpar;
  auto* data = static_cast<uint8_t*>(av_mallocz(extradata.size() + AV_INPUT_BUFFER_PADDING_SIZE));
  if (!data) throw std::bad_alloc();
  std::memcpy(data, extradata.data(), extradata.size());
  av_freep(&par->extradata);
  par->extradata = data;
  par->extradata_size = static_cast<int>(extradata.size());
}

void Muxer::start(const std::map<std::string, std::string>& metadata) {
  for (const auto& [k, v] : metadata) av_dict_set(&ctx_->metadata, k.c_str(), v.c_str(), 0);
  av::Dict options;
  // faststart: a second pass moves moov ahead of mdat so players can start before the
  // whole file has downloaded. YouTube and Meta also ask for no edit lists: B-frame delay
  // goes into negative composition offsets instead, so video still starts at zero. The cost
  // is the AAC encoder's 1024 priming samples (21 ms at 48 kHz) played as silence.
  options.set("movflags", "+faststart+negative_cts_offsets");
  options.set("use_editlist", "0");
  // Interleave however far one stream runs ahead of the other (one-pass smart reframing
  // holds the video of a shot while its audio goes on) rather than, past libavformat's
  // 10 s default, writing the stream ahead in long runs.
  ctx_->max_interleave_delta = 120 * int64_t{AV_TIME_BASE};
  av::check(avformat_write_header(ctx_.get(), options.get_address()), "write the output header",
            name_);
  started_ = true;
}

void Muxer::write(AVPacket* packet, int stream, AVRational encoder_time_base) {
  packet->stream_index = stream;
  av_packet_rescale_ts(packet, encoder_time_base, ctx_->streams[stream]->time_base);
  av::check(av_interleaved_write_frame(ctx_.get(), packet), "write a packet", name_);
}

void Muxer::finish() {
  if (!started_ || finished_) return;
  av::check(av_write_trailer(ctx_.get()), "finish the output (moov)", name_);
  av::check(avio_closep(&ctx_->pb), "close the output", name_);
  finished_ = true;
}

}  // namespace reelpack
