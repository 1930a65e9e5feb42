#include "support/media.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace reelpack::test {
namespace fs = std::filesystem;

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) {
    if (c == '\'') {
      q += "'\\''";
    } else {
      q += c;
    }
  }
  return q + "'";
}

namespace {
std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
}  // namespace

RunResult run(const std::string& command) {
  TempDir tmp;
  const fs::path out = tmp / "stdout", err = tmp / "stderr";
  const std::string full = "(" + command + ") </dev/null >" + shell_quote(out.string()) + " 2>" +
                           shell_quote(err.string());
  const int status = std::system(full.c_str());
  RunResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

std::string reelpack_command(const std::vector<std::string>& args) {
  std::string cmd =
      "REELPACK_PRESETS=" + shell_quote(REELPACK_PRESET_DIR) + " " + shell_quote(REELPACK_BINARY);
  for (const auto& a : args) cmd += " " + shell_quote(a);
  return cmd;
}

RunResult run_reelpack(const std::vector<std::string>& args) {
  return run(reelpack_command(args));
}

fs::path make_clip(const fs::path& out, const std::string& ffmpeg_args) {
  const RunResult r =
      run("ffmpeg -nostdin -y -v error " + ffmpeg_args + " " + shell_quote(out.string()));
  INFO("ffmpeg " << ffmpeg_args << "\n" << r.err);
  REQUIRE(r.exit_code == 0);
  return out;
}

nlohmann::json ffprobe(const fs::path& file) {
  const RunResult r = run("ffprobe -v error -print_format json -show_format -show_streams " +
                          shell_quote(file.string()));
  INFO("ffprobe " << file << "\n" << r.err);
  REQUIRE(r.exit_code == 0);
  return nlohmann::json::parse(r.out);
}

nlohmann::json first_stream(const nlohmann::json& probe, const std::string& codec_type) {
  for (const auto& s : probe.value("streams", nlohmann::json::array())) {
    if (s.value("codec_type", "") == codec_type) return s;
  }
  return nullptr;
}

double number_field(const nlohmann::json& stream, const std::string& key) {
  if (!stream.is_object() || !stream.contains(key)) return std::nan("");
  const auto& v = stream[key];
  if (v.is_number()) return v.get<double>();
  try {
    return std::stod(v.get<std::string>());
  } catch (const std::exception&) {
    return std::nan("");
  }
}

std::vector<FrameFact> video_frames(const fs::path& file) {
  const RunResult r =
      run("ffprobe -v error -select_streams v:0 -show_entries frame=pts_time,key_frame "
          "-print_format json " +
          shell_quote(file.string()));
  REQUIRE(r.exit_code == 0);
  std::vector<FrameFact> frames;
  // Keep the parsed document alive: a range-for over parse(...)["frames"] would iterate
  // into a destroyed temporary.
  const nlohmann::json doc = nlohmann::json::parse(r.out);
  for (const auto& f : doc.value("frames", nlohmann::json::array())) {
    frames.push_back({std::stod(f["pts_time"].get<std::string>()), f["key_frame"].get<int>() == 1});
  }
  return frames;
}

std::vector<std::string> frame_md5s(const fs::path& file) {
  const RunResult r = run("ffmpeg -nostdin -v error -i " + shell_quote(file.string()) +
                          " -map 0:v:0 -f framemd5 -");
  INFO("framemd5 of " << file << "\n" << r.err);
  REQUIRE(r.exit_code == 0);
  std::vector<std::string> sums;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    const size_t comma = line.rfind(',');
    if (comma != std::string::npos) sums.push_back(line.substr(comma + 1));
  }
  for (std::string& sum : sums) sum.erase(0, sum.find_first_not_of(' '));
  return sums;
}

fs::path damage_video(const fs::path& file, double from_s, double to_s, const fs::path& out) {
  const RunResult r =
      run("ffprobe -v error -select_streams v:0 -show_entries packet=pts_time,pos,size "
          "-of csv=p=0 " +
          shell_quote(file.string()));
  REQUIRE(r.exit_code == 0);
  std::string bytes = slurp(file);
  const double start = start_time_s(file);
  std::istringstream lines(r.out);
  int damaged = 0;
  for (std::string line; std::getline(lines, line);) {
    double pts = 0;
    long size = 0, pos = 0;
    if (std::sscanf(line.c_str(), "%lf,%ld,%ld", &pts, &size, &pos) != 3) continue;
    if (pts - start < from_s || pts - start >= to_s) continue;
    REQUIRE(pos + size <= static_cast<long>(bytes.size()));
    std::fill_n(bytes.begin() + pos, size, '\0');
    ++damaged;
  }
  REQUIRE(damaged > 0);
  write_file(out, bytes);
  return out;
}

std::pair<long, long> moov_mdat_offsets(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  long moov = -1, mdat = -1;
  long offset = 0;
  std::array<unsigned char, 16> h{};
  while (in.read(reinterpret_cast<char*>(h.data()), 8)) {
    uint64_t size = (uint64_t(h[0]) << 24) | (h[1] << 16) | (h[2] << 8) | h[3];
    const std::string type(reinterpret_cast<char*>(h.data()) + 4, 4);
    if (size == 1) {
      in.read(reinterpret_cast<char*>(h.data()) + 8, 8);
      size = 0;
      for (int i = 8; i < 16; ++i) size = (size << 8) | h[i];
    }
    if (type == "moov" && moov < 0) moov = offset;
    if (type == "mdat" && mdat < 0) mdat = offset;
    if (size < 8) break;
    offset += static_cast<long>(size);
    in.seekg(offset);
  }
  return {moov, mdat};
}

double psnr(const fs::path& a, const fs::path& b) {
  const RunResult r = run(
      "ffmpeg -nostdin -v info -i " + shell_quote(a.string()) + " -i " + shell_quote(b.string()) +
      " -lavfi '[1:v][0:v]scale2ref=flags=bicubic[b][a];[a][b]psnr' -f null - 2>&1 | "
      "grep -o 'average:[0-9.inf]*' | tail -1 | cut -d: -f2");
  REQUIRE(r.exit_code == 0);
  if (r.out.rfind("inf", 0) == 0) return 100.0;
  return std::stod(r.out.empty() ? "0" : r.out);
}

LumaStats luma_stats(const fs::path& file, const std::string& filters) {
  const std::string chain =
      (filters.empty() ? "" : filters + ",") + "signalstats,metadata=mode=print:file=-";
  const RunResult r = run("ffmpeg -nostdin -v error -i " + shell_quote(file.string()) +
                          " -map 0:v:0 -vf " + shell_quote(chain) + " -f null -");
  INFO("luma_stats " << file << " " << filters << "\n" << r.err);
  REQUIRE(r.exit_code == 0);
  LumaStats s;
  double sum = 0;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    const auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    const std::string key = line.substr(0, eq);
    const double value = std::stod(line.substr(eq + 1));
    if (key == "lavfi.signalstats.YAVG") {
      sum += value;
      ++s.frames;
    } else if (key == "lavfi.signalstats.YMAX") {
      s.max = std::max(s.max, value);
    }
  }
  REQUIRE(s.frames > 0);
  s.mean = sum / s.frames;
  return s;
}

double max_volume_db(const fs::path& file) {
  const RunResult r =
      run("ffmpeg -nostdin -v info -i " + shell_quote(file.string()) +
          " -map 0:a:0 -af volumedetect -f null - 2>&1 | grep -o 'max_volume: [-0-9.inf]*' | "
          "tail -1 | cut -d' ' -f2");
  REQUIRE(r.exit_code == 0);
  INFO("max_volume of " << file << ": '" << r.out << "'");
  REQUIRE(!r.out.empty());
  if (r.out.rfind("-inf", 0) == 0) return -200.0;
  return std::stod(r.out);
}

double start_time_s(const fs::path& file) {
  const double s =
      number_field(ffprobe(file).value("format", nlohmann::json::object()), "start_time");
  return std::isnan(s) ? 0.0 : s;
}

fs::path extract_frame(const fs::path& file, int index, const fs::path& out) {
  return make_clip(out, "-i " + shell_quote(file.string()) + " -map 0:v:0 -vf " +
                            shell_quote("select=eq(n\\," + std::to_string(index) + "),setpts=0") +
                            " -frames:v 1 -c:v ffv1");
}

std::vector<PacketFact> video_packets(const fs::path& file) {
  const RunResult r =
      run("ffprobe -v error -select_streams v:0 -show_entries packet=pts_time,flags,data_hash "
          "-show_data_hash md5 -print_format json " +
          shell_quote(file.string()));
  INFO("ffprobe packets " << file << "\n" << r.err);
  REQUIRE(r.exit_code == 0);
  const nlohmann::json doc = nlohmann::json::parse(r.out);
  std::vector<PacketFact> packets;
  for (const auto& p : doc.value("packets", nlohmann::json::array())) {
    const std::string pts = p.value("pts_time", "nan");
    packets.push_back({pts == "N/A" ? std::nan("") : std::stod(pts),
                       p.value("flags", "").find('K') != std::string::npos,
                       p.value("data_hash", "")});
  }
  return packets;
}

std::vector<int16_t> decode_audio_mono(const fs::path& file, int rate_hz) {
  const RunResult r = run("ffmpeg -nostdin -v error -i " + shell_quote(file.string()) +
                          " -map 0:a:0 -ac 1 -ar " + std::to_string(rate_hz) + " -f s16le -");
  INFO("decode audio " << file << "\n" << r.err);
  REQUIRE(r.exit_code == 0);
  std::vector<int16_t> samples(r.out.size() / 2);
  std::memcpy(samples.data(), r.out.data(), samples.size() * 2);
  return samples;
}

std::vector<double> frame_luma_means(const fs::path& file) {
  const RunResult r = run("ffmpeg -nostdin -v error -i " + shell_quote(file.string()) +
                          " -map 0:v:0 -vf signalstats,metadata=mode=print:"
                          "key=lavfi.signalstats.YAVG:file=- -f null -");
  INFO("frame_luma_means " << file << "\n" << r.err);
  REQUIRE(r.exit_code == 0);
  std::vector<double> means;
  std::istringstream lines(r.out);
  const std::string key = "lavfi.signalstats.YAVG=";
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(key, 0) == 0) means.push_back(std::stod(line.substr(key.size())));
  }
  return means;
}

std::string decode_errors(const fs::path& file) {
  const RunResult r =
      run("ffmpeg -nostdin -v error -i " + shell_quote(file.string()) + " -f null -");
  return r.exit_code == 0 ? r.err : "exit " + std::to_string(r.exit_code) + ": " + r.err;
}

std::vector<double> frame_psnrs(const fs::path& a, int a_first, const fs::path& b, int b_first,
                                int count) {
  auto trim = [&](int input, int first, const char* label) {
    return "[" + std::to_string(input) + ":v]trim=start_frame=" + std::to_string(first) +
           ":end_frame=" + std::to_string(first + count) + ",setpts=N/TB[" + label + "]";
  };
  const std::string graph =
      trim(0, a_first, "a") + ";" + trim(1, b_first, "b") + ";[a][b]psnr=stats_file=-";
  const RunResult r = run("ffmpeg -nostdin -v error -i " + shell_quote(a.string()) + " -i " +
                          shell_quote(b.string()) + " -lavfi " + shell_quote(graph) + " -f null -");
  INFO("frame_psnrs " << a << " " << b << "\n" << r.err);
  REQUIRE(r.exit_code == 0);
  std::vector<double> values;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    const auto at = line.find("psnr_avg:");
    if (at == std::string::npos) continue;
    const std::string v = line.substr(at + 9, line.find(' ', at) - at - 9);
    values.push_back(v == "inf" ? 100.0 : std::stod(v));
  }
  return values;
}

std::vector<std::map<std::string, int64_t>> h264_sps_fields(const fs::path& file) {
  const RunResult r = run("ffmpeg -nostdin -v info -i " + shell_quote(file.string()) +
                          " -map 0:v:0 -c copy -bsf:v trace_headers -f null - 2>&1");
  INFO("trace_headers " << file);
  REQUIRE(r.exit_code == 0);
  std::vector<std::map<std::string, int64_t>> sets;
  bool in_sps = false;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    if (line.find("[trace_headers") == std::string::npos) continue;
    const std::string text = line.substr(line.find(']') + 1);
    // A unit starts with its name alone; its syntax elements read "<bit> <name> <bits> = <v>".
    const auto eq = text.rfind(" = ");
    if (eq == std::string::npos) {
      in_sps = text.find("Sequence Parameter Set") != std::string::npos;
      if (in_sps) sets.emplace_back();
      continue;
    }
    if (!in_sps) continue;
    std::istringstream fields(text.substr(0, eq));
    std::string bit, name;
    fields >> bit >> name;
    sets.back()[name] = std::stoll(text.substr(eq + 3));
  }
  return sets;
}

std::optional<long long> bytes_read_by(const std::string& command) {
  if (run("strace -qq -e trace=none true").exit_code != 0) return std::nullopt;
  TempDir tmp;
  const fs::path log = tmp / "strace.log";
  const RunResult r = run("strace -f -qq -e trace=read,pread64 -o " + shell_quote(log.string()) +
                          " sh -c " + shell_quote(command));
  INFO(command << "\n" << r.err);
  REQUIRE(r.exit_code == 0);
  // Lines end "= <bytes>" (or "= -1 EAGAIN ..." for failed calls, which read nothing).
  long long total = 0;
  std::ifstream in(log);
  for (std::string line; std::getline(in, line);) {
    const auto eq = line.rfind("= ");
    if (eq == std::string::npos) continue;
    const std::string n = line.substr(eq + 2);
    if (!n.empty() && n.find_first_not_of("0123456789") == std::string::npos)
      total += std::stoll(n);
  }
  return total;
}

}  // namespace reelpack::test
