// A minimal compiled event loop over the same arrivals as `npm run bench`, for the speed ratio in
// docs/PERFORMANCE.md. It keeps only what a cluster simulation cannot do without: a binary heap of
// events (arrivals and iteration ends), least-outstanding routing, per instance a FIFO waiting queue
// and continuous batching with chunked prefill (max sequences, token budget), a decode set whose
// completions come from a min-heap of finishing iterations (O(1) work per iteration besides them),
// and an iteration time linear in the batch shape (coefficients fitted to the TypeScript perf model
// by the bench). No KV blocks, no preemption, no metrics beyond counts: a lower bound on the cost of
// the same simulation, not a second simulator.
//
// Usage: minimalLoop ARRIVALS_FILE INSTANCES MAX_SEQS MAX_TOKENS C0 C_PREFILL C_DECODE C_CONTEXT
// The file holds n records of (double arrival, int32 prompt, int32 output), little-endian.
#include <chrono>
#include <ctime>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <queue>
#include <vector>

struct Req { double arrival; int32_t prompt; int32_t output; };
struct Ev { double t; int kind; int target; };  // kind 0 = iteration end, 1 = arrival
struct EvCmp { bool operator()(const Ev& a, const Ev& b) const { return a.t > b.t || (a.t == b.t && a.kind > b.kind); } };

struct Instance {
  std::vector<int> waiting;  // FIFO of requests not fully prefilled, as a vector with a head index
  size_t head = 0;
  int headPrefilled = 0;     // prompt tokens of waiting[head] already prefilled (chunked prefill)
  std::vector<std::pair<int, int>> chunks;  // (request, tokens) prefilled by the running iteration
  std::priority_queue<std::pair<long, int>, std::vector<std::pair<long, int>>, std::greater<>> finish;
  long iter = 0;
  long decodeCount = 0;
  double ctx = 0;            // total context tokens of the decode set
  int outstanding = 0;
  bool busy = false;
  bool batchDecode = false;
};

int main(int argc, char** argv) {
  if (argc < 9) { std::fprintf(stderr, "usage: minimalLoop FILE INSTANCES MAX_SEQS MAX_TOKENS C0 CP CD CC\n"); return 2; }
  FILE* f = std::fopen(argv[1], "rb");
  if (!f) { std::perror(argv[1]); return 2; }
  std::vector<Req> reqs;
  Req r;
  while (std::fread(&r.arrival, 8, 1, f) == 1 && std::fread(&r.prompt, 4, 1, f) == 1 && std::fread(&r.output, 4, 1, f) == 1) reqs.push_back(r);
  std::fclose(f);
  const int nInst = std::atoi(argv[2]);
  const int maxSeqs = std::atoi(argv[3]);
  const int maxTokens = std::atoi(argv[4]);
  const double c0 = std::atof(argv[5]), cp = std::atof(argv[6]), cd = std::atof(argv[7]), cc = std::atof(argv[8]);
  auto start = std::chrono::steady_clock::now();
  std::clock_t cpu0 = std::clock();
  std::vector<Instance> inst(nInst);
  std::vector<double> done(reqs.size(), 0.0);
  std::priority_queue<Ev, std::vector<Ev>, EvCmp> q;
  size_t next = 0;
  if (!reqs.empty()) q.push({reqs[0].arrival, 1, 0});
  long events = 0, iterations = 0, completed = 0;
  double now = 0;
  auto startIteration = [&](int i) {
    Instance& s = inst[i];
    int budget = maxTokens - (int)s.decodeCount;
    int seqs = (int)s.decodeCount;
    int prefill = 0;
    s.chunks.clear();
    for (size_t j = s.head; j < s.waiting.size() && budget > 0 && seqs < maxSeqs; j++) {
      int id = s.waiting[j];
      int left = reqs[id].prompt - (j == s.head ? s.headPrefilled : 0);
      int c = left < budget ? left : budget;
      s.chunks.push_back({id, c});
      budget -= c;
      prefill += c;
      seqs++;
    }
    s.batchDecode = s.decodeCount > 0;
    if (prefill == 0 && !s.batchDecode) { s.busy = false; return; }
    s.busy = true;
    iterations++;
    double dt = c0 + cp * prefill + cd * s.decodeCount + cc * s.ctx;
    q.push({now + dt, 0, i});
  };
  while (!q.empty()) {
    Ev e = q.top();
    q.pop();
    events++;
    now = e.t;
    if (e.kind == 1) {
      int id = (int)next++;
      int best = 0;
      for (int i = 1; i < nInst; i++) if (inst[i].outstanding < inst[best].outstanding) best = i;
      inst[best].outstanding++;
      inst[best].waiting.push_back(id);
      if (next < reqs.size()) q.push({reqs[next].arrival, 1, 0});
      if (!inst[best].busy) startIteration(best);
    } else {
      Instance& s = inst[e.target];
      if (s.batchDecode) {
        s.iter++;
        s.ctx += s.decodeCount;
        while (!s.finish.empty() && s.finish.top().first <= s.iter) {
          int id = s.finish.top().second;
          s.finish.pop();
          s.decodeCount--;
          s.ctx -= reqs[id].prompt + reqs[id].output - 1;
          done[id] = now;
          s.outstanding--;
          completed++;
        }
      }
      for (auto [id, c] : s.chunks) {
        s.headPrefilled += c;
        if (s.headPrefilled < reqs[id].prompt) break;  // only the last chunk can be partial
        s.head++;
        s.headPrefilled = 0;
        if (reqs[id].output <= 1) { done[id] = now; s.outstanding--; completed++; }
        else {
          s.decodeCount++;
          s.ctx += reqs[id].prompt + 1;
          s.finish.push({s.iter + reqs[id].output - 1, id});
        }
      }
      if (s.head > 4096 && s.head * 2 > s.waiting.size()) { s.waiting.erase(s.waiting.begin(), s.waiting.begin() + (long)s.head); s.head = 0; }
      startIteration(e.target);
    }
  }
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  double cpu = double(std::clock() - cpu0) / CLOCKS_PER_SEC;
  double e2e = 0;
  for (size_t i = 0; i < reqs.size(); i++) e2e += done[i] - reqs[i].arrival;
  std::printf("{\"requests\":%ld,\"events\":%ld,\"iterations\":%ld,\"wallS\":%.4f,\"cpuS\":%.4f,\"simTimeS\":%.1f,\"meanE2eS\":%.3f}\n", completed, events, iterations, wall, cpu, now,
              reqs.empty() ? 0.0 : e2e / reqs.size());
  return 0;
}
