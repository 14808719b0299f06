// Compiled kernel of the SMTT decomposition search (optagent.benchmarks.smtt.exact_bb): the same search as
// the Python code there, whose docstrings state the rules and why each is exact. Built at install time when a
// C++ compiler is present; optagent falls back to the Python search otherwise.
//
// A subproblem is a set of jobs (EDD positions) and a start time. Every set the search meets has the form
// {l in [first, last] : rank(l) <= top} (rank: order by (p, EDD position); top: the rank of the set's longest
// job), so (first, last, top, start) is an exact memo key.
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <limits>
#include <memory>
#include <numeric>
#include <stdexcept>
#include <vector>

namespace {

using i64 = long long;

struct Stop {};  // deadline passed or a signal (KeyboardInterrupt) is pending

struct Entry {
  uint64_t key = 0;  // 0: empty slot
  i64 start = 0;
  i64 value = 0;
  int32_t size = 0;
  int32_t exact = 0;
};

// Memo in buckets of four entries. It starts small and doubles when half full, up to `max_bytes`; a full
// bucket gives up its entry of the smallest subproblem. Losing an entry costs a recomputation, never a wrong
// answer: keys are exact.
class Memo {
 public:
  explicit Memo(size_t max_bytes) {
    while (max_buckets_ * 2 * kWays * sizeof(Entry) <= max_bytes) max_buckets_ *= 2;
    allocate(std::min<size_t>(max_buckets_, 1 << 16));
  }
  ~Memo() { std::free(table_); }
  Memo(const Memo&) = delete;
  Memo& operator=(const Memo&) = delete;
  const Entry* find(uint64_t key, i64 start) const {
    const Entry* bucket = &table_[slot(key, start)];
    for (int i = 0; i < kWays; ++i)
      if (bucket[i].key == key && bucket[i].start == start) return &bucket[i];
    return nullptr;
  }
  void store(uint64_t key, i64 start, i64 value, bool exact, int size) {
    if (static_cast<size_t>(used_) * 2 > (mask_ + 1) * kWays && mask_ + 1 < max_buckets_) grow();
    place(Entry{key, start, value, size, exact ? 1 : 0});
  }
  i64 used() const { return used_; }
  i64 evicted() const { return evicted_; }

 private:
  static constexpr int kWays = 4;
  size_t slot(uint64_t key, i64 start) const {
    uint64_t h = key * 0x9E3779B97F4A7C15ULL ^ (static_cast<uint64_t>(start) + 0x632BE59BD9B4E019ULL);
    h ^= h >> 29;
    h *= 0xBF58476D1CE4E5B9ULL;
    h ^= h >> 32;
    return static_cast<size_t>(h & mask_) * kWays;
  }
  void allocate(size_t buckets) {
    table_ = static_cast<Entry*>(std::calloc(buckets * kWays, sizeof(Entry)));  // all zero: empty slots
    if (!table_) throw std::bad_alloc();
    mask_ = buckets - 1;
  }
  void grow() {  // double and move every entry over
    Entry* old = table_;
    size_t slots = (mask_ + 1) * kWays;
    allocate((mask_ + 1) * 2);
    used_ = 0;
    for (size_t i = 0; i < slots; ++i)
      if (old[i].key != 0) place(old[i]);
    std::free(old);
  }
  void place(const Entry& entry) {
    Entry* bucket = &table_[slot(entry.key, entry.start)];
    Entry* target = nullptr;
    for (int i = 0; i < kWays && !target; ++i)
      if (bucket[i].key == entry.key && bucket[i].start == entry.start) target = &bucket[i];
    for (int i = 0; i < kWays && !target; ++i)
      if (bucket[i].key == 0) target = &bucket[i], ++used_;
    if (!target) {
      target = &bucket[0];
      for (int i = 1; i < kWays; ++i)
        if (bucket[i].size < target->size) target = &bucket[i];
      ++evicted_;
    }
    *target = entry;
  }
  Entry* table_ = nullptr;
  size_t mask_ = 0, max_buckets_ = 1;
  i64 used_ = 0, evicted_ = 0;
};

// Scratch arrays handed out like a stack, in blocks allocated as needed (a frame's arrays stay put while
// deeper frames take more); a Search::Scope gives back everything taken since it began.
template <class T>
class Stack {
 public:
  struct Mark {
    size_t block, top;
  };
  T* take(size_t count) {
    while (block_ < blocks_.size() && top_ + count > sizes_[block_]) ++block_, top_ = 0;
    if (block_ == blocks_.size()) {
      sizes_.push_back(std::max<size_t>(count, 1 << 16));
      blocks_.emplace_back(new T[sizes_.back()]);
      top_ = 0;
    }
    T* out = blocks_[block_].get() + top_;
    top_ += count;
    return out;
  }
  Mark mark() const { return Mark{block_, top_}; }
  void reset(Mark mark) { block_ = mark.block, top_ = mark.top; }

 private:
  std::vector<std::unique_ptr<T[]>> blocks_;
  std::vector<size_t> sizes_;
  size_t block_ = 0, top_ = 0;
};

struct Candidate {
  i64 lower;   // lower bound of the whole split: LB(before) + own + LB(after)
  i64 near;    // |C_k - d_k|: tie-break, k finishing near its due date first
  int delta;   // position (in the subproblem's EDD list) of the last job before k
  i64 finish;  // completion time of k
  i64 lower_after;
};

class Search {
 public:
  Search(std::vector<i64> p, std::vector<i64> d, double seconds, bool cpu_clock, size_t memo_bytes)
      : n_(static_cast<int>(p.size())),
        p_(std::move(p)),
        d_(std::move(d)),
        rank_(n_),
        memo_(memo_bytes),
        cpu_clock_(cpu_clock) {
    std::vector<int> by_rank(n_);
    std::iota(by_rank.begin(), by_rank.end(), 0);
    std::sort(by_rank.begin(), by_rank.end(),
              [&](int a, int b) { return p_[a] != p_[b] ? p_[a] < p_[b] : a < b; });
    for (int r = 0; r < n_; ++r) rank_[by_rank[r]] = r;
    spt_root_ = by_rank;
    deadline_ = now() + seconds;
  }

  // Optimum of all jobs when it is below `bound`: true and the order (EDD positions). False: not within the
  // bound, or stopped by the deadline (then `stopped` is set).
  bool run(i64 bound, i64* value, std::vector<int>* order) {
    std::vector<int> edd(n_);
    std::iota(edd.begin(), edd.end(), 0);
    bool exact = false;
    try {
      *value = solve(edd.data(), spt_root_.data(), n_, 0, bound, &exact);
    } catch (const Stop&) {
      stopped_ = true;
      return false;
    }
    if (!exact) return false;
    use_deadline_ = false;  // the proof is complete; rebuilding the order only reads (or redoes) solved parts
    try {
      rebuild(edd.data(), spt_root_.data(), n_, 0, *value, order);
    } catch (const Stop&) {
      stopped_ = true;
      return false;
    }
    return true;
  }

  i64 nodes() const { return nodes_; }
  bool stopped() const { return stopped_; }
  const Memo& memo() const { return memo_; }

 private:
  struct Scope {  // gives back the scratch arrays taken while it lives
    explicit Scope(Search* search)
        : search_(search), jobs_(search->jobs_.mark()), cands_(search->cands_.mark()) {}
    ~Scope() {
      search_->jobs_.reset(jobs_);
      search_->cands_.reset(cands_);
    }
    Search* search_;
    Stack<int>::Mark jobs_;
    Stack<Candidate>::Mark cands_;
  };

  // Memo key of the set {l in [first, last] : rank(l) <= rank(longest)}.
  uint64_t key(int first, int last, int longest) const {
    return (1ULL << 63) | static_cast<uint64_t>(first) | static_cast<uint64_t>(last) << 20 |
           static_cast<uint64_t>(rank_[longest]) << 40;
  }

  double now() const {  // seconds: CPU time of this process, or a steady wall clock
    if (cpu_clock_) return static_cast<double>(std::clock()) / CLOCKS_PER_SEC;
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
  }

  void tick() {
    if ((++nodes_ & 4095) != 0) return;
    if (use_deadline_ && now() > deadline_) throw Stop();
    if ((nodes_ & 65535) == 0 && PyErr_CheckSignals() != 0) throw Stop();
  }

  // Drop trailing EDD jobs that are on time when last (moving such a job to the end delays nobody).
  int strip(const int* edd, int m, i64 t, i64* total) const {
    i64 finish = t;
    for (int i = 0; i < m; ++i) finish += p_[edd[i]];
    while (m > 1 && d_[edd[m - 1]] >= finish) finish -= p_[edd[--m]];
    *total = finish;
    return m;
  }

  // Sum over i of max(0, C_i - d_i) with C from SPT order and d from EDD order, over the members kept by
  // `keep`: a valid lower bound (completion times and due dates paired in sorted order).
  template <class Keep>
  i64 lower(const int* edd, const int* spt, int m, int edd_from, int skip, i64 t, Keep keep) const {
    i64 finish = t, total = 0;
    int e = edd_from;
    for (int i = 0; i < m; ++i) {
      int j = spt[i];
      if (!keep(j)) continue;
      if (e == skip) ++e;
      finish += p_[j];
      i64 late = finish - d_[edd[e++]];
      if (late > 0) total += late;
    }
    return total;
  }

  // 0: not easy; 1: EDD has no late job (value 0); 2: SPT has every job late or on time (value: its total).
  int easy(const int* edd, const int* spt, int m, i64 t, i64* value) const {
    i64 finish = t;
    bool on_time = true;
    for (int i = 0; i < m && on_time; ++i) {
      finish += p_[edd[i]];
      on_time = finish <= d_[edd[i]];
    }
    if (on_time) {
      *value = 0;
      return 1;
    }
    finish = t;
    i64 total = 0;
    for (int i = 0; i < m; ++i) {
      finish += p_[spt[i]];
      if (finish < d_[spt[i]]) return 0;
      total += finish - d_[spt[i]];
    }
    *value = total;
    return 2;
  }

  // Emmons' rules for the longest job k (at position kp): the split positions lo..hi it allows.
  void split_range(const int* edd, int m, int kp, i64 t, i64 total, int* lo_out, int* hi_out) const {
    int k = edd[kp];
    int lo = kp;
    i64 known_before = t;
    for (int i = 0; i < kp; ++i) known_before += p_[edd[i]];
    for (bool moved = true; moved;) {
      moved = false;
      i64 threshold = std::max(known_before + p_[k], d_[k]);
      for (int idx = m - 1; idx > lo; --idx) {
        if (d_[edd[idx]] <= threshold) {
          for (int i = lo + 1; i <= idx; ++i) known_before += p_[edd[i]];
          lo = idx;
          moved = true;
          break;
        }
      }
    }
    int hi = m - 1;
    i64 latest = total;
    for (bool moved = true; moved;) {
      moved = false;
      for (int idx = lo + 1; idx <= hi; ++idx) {
        if (d_[edd[idx]] >= latest) {
          for (int i = idx; i <= hi; ++i) latest -= p_[edd[i]];
          hi = idx - 1;
          moved = true;
          break;
        }
      }
    }
    *lo_out = lo;
    *hi_out = std::max(lo, hi);
  }

  // The candidate splits of a subproblem (m >= 2, not easy), best lower bound first. Returns their count.
  int candidates(const int* edd, const int* spt, int m, i64 t, i64 total, int* kp_out, Candidate* out) const {
    int kp = 0;
    int k = spt[m - 1];
    while (edd[kp] != k) ++kp;
    int lo, hi;
    split_range(edd, m, kp, t, total, &lo, &hi);
    int count = 0;
    i64 finish = t;
    for (int i = 0; i <= lo; ++i) finish += p_[edd[i]];
    for (int delta = lo; delta <= hi; ++delta) {
      if (delta > lo) {
        finish += p_[edd[delta]];
        if (d_[edd[delta]] >= finish) continue;  // Lawler: the split delta - 1 is at least as good
      }
      if (delta + 1 < m && finish > d_[edd[delta + 1]]) continue;  // Lawler's proof: C_k <= d of the next job
      int last = edd[delta];
      i64 own = std::max<i64>(0, finish - d_[k]);
      i64 lb_before = lower(edd, spt, m, 0, kp, t, [&](int j) { return j <= last && j != k; });
      i64 lb_after = lower(edd, spt, m, delta + 1, -1, finish, [&](int j) { return j > last; });
      lb_before = known(edd, spt, m, 0, delta, kp, t, finish - p_[k], lb_before);
      lb_after = known(edd, spt, m, delta + 1, m - 1, -1, finish, total, lb_after);
      out[count++] = Candidate{lb_before + own + lb_after, finish > d_[k] ? finish - d_[k] : d_[k] - finish,
                               delta, finish, lb_after};
    }
    std::sort(out, out + count, [](const Candidate& a, const Candidate& b) {
      return a.lower != b.lower ? a.lower < b.lower : a.near != b.near ? a.near < b.near : a.delta < b.delta;
    });
    *kp_out = kp;
    return count;
  }

  // The best known lower bound of the part edd[from..to] without position skip, started at `start` and ending
  // at `total`: its memo entry (exact value or lower bound, under the key solve() would use) or `lower`.
  i64 known(const int* edd, const int* spt, int m, int from, int to, int skip, i64 start, i64 total,
            i64 lower) const {
    int count = to - from + 1 - (skip >= from && skip <= to ? 1 : 0);
    while (count > 1) {  // as strip()
      if (to == skip) --to;
      if (d_[edd[to]] < total) break;
      total -= p_[edd[to--]];
      --count;
    }
    if (to == skip) --to;
    if (count < 2) return lower;
    int first = edd[from == skip ? from + 1 : from], last = edd[to], excluded = skip >= 0 ? edd[skip] : -1;
    int top = m - 1;
    while (spt[top] < first || spt[top] > last || spt[top] == excluded) --top;
    const Entry* hit = memo_.find(key(first, last, spt[top]), start);
    return hit ? std::max(lower, hit->value) : lower;
  }

  // A subproblem's branching: the longest job's position, its candidate splits (best first) and room for the
  // lists of the two parts of one split at a time.
  struct Branching {
    int kp, count;
    Candidate* cands;
    int *b_edd, *b_spt, *a_spt;
  };
  Branching branch(const int* edd, const int* spt, int m, i64 t, i64 total) {
    Branching br;
    br.cands = cands_.take(m);
    br.count = candidates(edd, spt, m, t, total, &br.kp, br.cands);
    br.b_edd = jobs_.take(3 * m);
    br.b_spt = br.b_edd + m;
    br.a_spt = br.b_spt + m;
    return br;
  }

  // Lists of the two parts of split `delta` (k at kp): before = edd[0..delta] without k, after = the rest
  // (its EDD list is edd + delta + 1). Returns the size of the part before.
  int split_lists(const int* edd, const int* spt, int m, int kp, int delta, const Branching& br) const {
    int k = edd[kp], last = edd[delta];
    int nb = 0;
    for (int i = 0; i <= delta; ++i)
      if (i != kp) br.b_edd[nb++] = edd[i];
    int ib = 0, ia = 0;
    for (int i = 0; i < m; ++i) {
      int j = spt[i];
      if (j > last)
        br.a_spt[ia++] = j;
      else if (j != k)
        br.b_spt[ib++] = j;
    }
    return nb;
  }

  // Optimum of (edd/spt lists, start t) when below `bound` (*exact = true); otherwise a lower bound >= bound.
  i64 solve(const int* edd, const int* spt, int m, i64 t, i64 bound, bool* exact) {
    *exact = true;
    if (m == 0) return 0;
    Scope scope(this);
    i64 total;
    int full = m;
    m = strip(edd, m, t, &total);
    if (m == 1) return std::max<i64>(0, t + p_[edd[0]] - d_[edd[0]]);
    if (m < full) spt = filtered_spt(spt, full, edd[m - 1]);
    tick();
    uint64_t id = key(edd[0], edd[m - 1], spt[m - 1]);
    const Entry* hit = memo_.find(id, t);
    i64 known_lower = 0;
    if (hit) {
      if (hit->exact || hit->value >= bound) {
        *exact = hit->exact != 0;
        return hit->value;
      }
      known_lower = hit->value;
    }
    i64 value;
    if (easy(edd, spt, m, t, &value) != 0) {
      memo_.store(id, t, value, true, m);
      return value;
    }
    Branching br = branch(edd, spt, m, t, total);
    const int kp = br.kp;
    i64 best = bound, fail = std::numeric_limits<i64>::max();
    bool found = false;
    for (int c = 0; c < br.count; ++c) {
      const Candidate& cand = br.cands[c];
      if (cand.lower >= best) {
        fail = std::min(fail, cand.lower);
        break;  // sorted: every later split is bounded out as well
      }
      i64 own = std::max<i64>(0, cand.finish - d_[edd[kp]]);
      int nb = split_lists(edd, spt, m, kp, cand.delta, br);
      bool ok;
      i64 before = solve(br.b_edd, br.b_spt, nb, t, best - own - cand.lower_after, &ok);
      if (!ok || before + own + cand.lower_after >= best) {
        fail = std::min(fail, before + own + cand.lower_after);
        continue;
      }
      i64 after =
          solve(edd + cand.delta + 1, br.a_spt, m - 1 - cand.delta, cand.finish, best - before - own, &ok);
      i64 sum = before + own + after;
      if (!ok || sum >= best) {
        fail = std::min(fail, sum);
        continue;
      }
      best = sum;
      found = true;
    }
    if (found) {
      memo_.store(id, t, best, true, m);
      return best;
    }
    i64 bound_out = std::max(fail, std::max(bound, known_lower));
    memo_.store(id, t, bound_out, false, m);
    *exact = false;
    return bound_out;
  }

  // After strip(): the SPT list without the dropped trailing jobs (EDD positions > last), on the arena.
  const int* filtered_spt(const int* spt, int full, int last) {
    int* out = jobs_.take(full);
    int count = 0;
    for (int i = 0; i < full; ++i)
      if (spt[i] <= last) out[count++] = spt[i];
    return out;
  }

  // The order achieving `value` (proven optimal) for the subproblem, appended to `order`.
  void rebuild(const int* edd, const int* spt, int m, i64 t, i64 value, std::vector<int>* order) {
    if (m == 0) return;
    Scope scope(this);
    i64 total;
    int full = m;
    m = strip(edd, m, t, &total);
    if (m < full) spt = filtered_spt(spt, full, edd[m - 1]);
    std::vector<int> tail(edd + m, edd + full);
    i64 easy_value;
    int kind = m == 1 ? 1 : easy(edd, spt, m, t, &easy_value);
    if (kind != 0) {
      const int* src = kind == 1 ? edd : spt;
      order->insert(order->end(), src, src + m);
    } else {
      Branching br = branch(edd, spt, m, t, total);
      const int kp = br.kp;
      bool done = false;
      for (int c = 0; c < br.count && !done; ++c) {
        const Candidate& cand = br.cands[c];
        i64 own = std::max<i64>(0, cand.finish - d_[edd[kp]]);
        if (cand.lower > value) continue;
        int nb = split_lists(edd, spt, m, kp, cand.delta, br);
        bool ok;
        i64 before = solve(br.b_edd, br.b_spt, nb, t, value - own + 1, &ok);
        if (!ok || before + own > value) continue;
        int na = m - 1 - cand.delta;
        i64 after = solve(edd + cand.delta + 1, br.a_spt, na, cand.finish, value - before - own + 1, &ok);
        if (!ok || before + own + after != value) continue;
        rebuild(br.b_edd, br.b_spt, nb, t, before, order);
        order->push_back(edd[kp]);
        rebuild(edd + cand.delta + 1, br.a_spt, na, cand.finish, after, order);
        done = true;
      }
      if (!done) throw std::logic_error("no split attains the proven optimum");
    }
    order->insert(order->end(), tail.begin(), tail.end());
  }

  int n_;
  std::vector<i64> p_, d_;
  std::vector<int> rank_, spt_root_;
  Stack<int> jobs_;
  Stack<Candidate> cands_;
  Memo memo_;
  bool cpu_clock_;
  double deadline_;
  bool use_deadline_ = true, stopped_ = false;
  i64 nodes_ = 0;
};

bool read_ints(PyObject* seq, const char* name, std::vector<i64>* out) {
  PyObject* fast = PySequence_Fast(seq, name);
  if (!fast) return false;
  Py_ssize_t size = PySequence_Fast_GET_SIZE(fast);
  out->resize(size);
  for (Py_ssize_t i = 0; i < size; ++i) {
    (*out)[i] = PyLong_AsLongLong(PySequence_Fast_GET_ITEM(fast, i));
    if ((*out)[i] == -1 && PyErr_Occurred()) {
      Py_DECREF(fast);
      return false;
    }
  }
  Py_DECREF(fast);
  return true;
}

// solve(p, d, bound, seconds, cpu_clock, memo_mb) -> (proven, value, order, nodes, memo_entries,
// memo_evictions)
PyObject* py_solve(PyObject*, PyObject* args) {
  PyObject *p_obj, *d_obj;
  long long bound;
  double seconds;
  int cpu_clock;
  long long memo_mb;
  if (!PyArg_ParseTuple(args, "OOLdpL", &p_obj, &d_obj, &bound, &seconds, &cpu_clock, &memo_mb))
    return nullptr;
  std::vector<i64> p, d;
  if (!read_ints(p_obj, "p must be a sequence of integers", &p) ||
      !read_ints(d_obj, "d must be a sequence of integers", &d))
    return nullptr;
  if (p.size() != d.size() || p.empty() || p.size() >= (1u << 20) || memo_mb < 1) {
    PyErr_SetString(PyExc_ValueError, "p and d need the same length, 1 to 2**20 - 1 jobs; memo_mb >= 1");
    return nullptr;
  }
  const i64 limit = std::numeric_limits<i64>::max() / (4 * static_cast<i64>(p.size()) + 4);
  for (size_t j = 0; j < p.size(); ++j) {
    if (p[j] < 0 || p[j] > limit || d[j] < -limit || d[j] > limit) {
      PyErr_SetString(PyExc_ValueError,
                      "processing times must be >= 0 and all values small enough for 64 bits");
      return nullptr;
    }
  }
  // EDD positions: by due date, ties shorter first, then index.
  std::vector<int> index(p.size());
  std::iota(index.begin(), index.end(), 0);
  std::sort(index.begin(), index.end(), [&](int a, int b) {
    return d[a] != d[b] ? d[a] < d[b] : p[a] != p[b] ? p[a] < p[b] : a < b;
  });
  std::vector<i64> pe(p.size()), de(p.size());
  for (size_t i = 0; i < index.size(); ++i) pe[i] = p[index[i]], de[i] = d[index[i]];
  i64 value = 0;
  std::vector<int> order;
  bool proven;
  i64 nodes, used, evicted;
  try {
    Search search(std::move(pe), std::move(de), seconds, cpu_clock != 0, static_cast<size_t>(memo_mb) << 20);
    proven = search.run(bound, &value, &order);
    if (search.stopped() && PyErr_Occurred()) return nullptr;
    nodes = search.nodes();
    used = search.memo().used();
    evicted = search.memo().evicted();
  } catch (const std::bad_alloc&) {
    PyErr_SetString(PyExc_MemoryError, "not enough memory for the memo table; lower memo_mb");
    return nullptr;
  } catch (const std::exception& e) {
    PyErr_SetString(PyExc_RuntimeError, e.what());
    return nullptr;
  }
  PyObject* out_order = PyList_New(proven ? static_cast<Py_ssize_t>(order.size()) : 0);
  if (!out_order) return nullptr;
  for (size_t i = 0; proven && i < order.size(); ++i)
    PyList_SET_ITEM(out_order, i, PyLong_FromLong(index[order[i]]));
  return Py_BuildValue("(OLNLLL)", proven ? Py_True : Py_False, value, out_order, nodes, used, evicted);
}

PyMethodDef methods[] = {
    {"solve", py_solve, METH_VARARGS,
     "solve(p, d, bound, seconds, cpu_clock, memo_mb) -> (proven, value, order, nodes, memo_entries, "
     "memo_evictions)"},
    {nullptr, nullptr, 0, nullptr}};

PyModuleDef module = {PyModuleDef_HEAD_INIT,
                      "_exact_kernel",
                      "Compiled SMTT decomposition search.",
                      -1,
                      methods,
                      nullptr,
                      nullptr,
                      nullptr,
                      nullptr};

}  // namespace

PyMODINIT_FUNC PyInit__exact_kernel(void) { return PyModule_Create(&module); }
