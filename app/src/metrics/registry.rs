//! The recorder behind the `metrics` facade: every counter, gauge and
//! histogram the crates record, kept in memory as atomics, read at scrape
//! time.
//!
//! Why our own and not `metrics-exporter-prometheus`: that exporter pulls
//! about fifteen crates into the binary (among them a third major version
//! of `getrandom` and a second of `rand_core`, for sampling we do not use),
//! while what we need is counters, gauges and fixed-bucket histograms.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

use metrics::{
    Counter, Gauge, Histogram, HistogramFn, Key, KeyName, Metadata, Recorder, SharedString, Unit,
};

use super::text::{Family, HistogramValue, Labels, Values};

/// Buckets for a histogram no bucket set was given for: Prometheus's usual
/// defaults, in seconds.
const DEFAULT_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Every series recorded so far. Cheap to clone: clones share the series.
#[derive(Clone, Default)]
pub struct Registry {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry").finish_non_exhaustive()
    }
}

#[derive(Default)]
struct Inner {
    help: RwLock<HashMap<String, String>>,
    buckets: HashMap<String, &'static [f64]>,
    counters: Series<AtomicU64>,
    /// `f64` bits, as `metrics` implements gauges on an `AtomicU64`.
    gauges: Series<AtomicU64>,
    histograms: Series<Buckets>,
}

/// Series by key, ordered by name first, so one metric's series are
/// adjacent when rendered.
type Series<T> = RwLock<BTreeMap<Key, Arc<T>>>;

impl Registry {
    /// An empty registry whose histograms named in `buckets` use those
    /// upper bounds (ascending, `+Inf` implied).
    pub fn with_buckets(buckets: &[(&str, &'static [f64])]) -> Self {
        Self {
            inner: Arc::new(Inner {
                buckets: buckets
                    .iter()
                    .map(|(name, bounds)| ((*name).to_owned(), *bounds))
                    .collect(),
                ..Inner::default()
            }),
        }
    }

    /// Every metric with at least one series, with its help text, in name
    /// order.
    pub(super) fn families(&self) -> Vec<Family> {
        let help = self
            .inner
            .help
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        let mut families = Vec::new();
        let counters = read(&self.inner.counters, |n| n.load(Ordering::Relaxed));
        let gauges = read(&self.inner.gauges, |g| {
            f64::from_bits(g.load(Ordering::Relaxed))
        });
        let histograms = read(&self.inner.histograms, Buckets::value);
        for (name, series) in counters {
            families.push(family(&help, name, Values::Counters(series)));
        }
        for (name, series) in gauges {
            families.push(family(&help, name, Values::Gauges(series)));
        }
        for (name, series) in histograms {
            families.push(family(&help, name, Values::Histograms(series)));
        }
        families.sort_by(|a, b| a.name.cmp(&b.name));
        families
    }

    fn describe(&self, key: KeyName, description: SharedString) {
        self.inner
            .help
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(key.as_str().to_owned(), description.into_owned());
    }
}

fn family(help: &HashMap<String, String>, name: String, values: Values) -> Family {
    Family {
        help: help.get(&name).cloned(),
        name,
        values,
    }
}

/// The series of `map` grouped by metric name, each read with `value`.
fn read<T, V>(map: &Series<T>, value: impl Fn(&T) -> V) -> Vec<(String, Vec<(Labels, V)>)> {
    let map = map.read().unwrap_or_else(PoisonError::into_inner);
    let mut grouped: Vec<(String, Vec<(Labels, V)>)> = Vec::new();
    for (key, cell) in map.iter() {
        let labels = key
            .labels()
            .map(|l| (l.key().to_owned(), l.value().to_owned()))
            .collect();
        match grouped.last_mut() {
            Some((name, series)) if name == key.name() => series.push((labels, value(cell))),
            _ => grouped.push((key.name().to_owned(), vec![(labels, value(cell))])),
        }
    }
    grouped
}

/// The cell of `key` in `map`, made by `make` on first use.
fn cell<T>(map: &Series<T>, key: &Key, make: impl FnOnce() -> T) -> Arc<T> {
    if let Some(cell) = map.read().unwrap_or_else(PoisonError::into_inner).get(key) {
        return Arc::clone(cell);
    }
    let mut map = map.write().unwrap_or_else(PoisonError::into_inner);
    Arc::clone(map.entry(key.clone()).or_insert_with(|| Arc::new(make())))
}

impl Recorder for Registry {
    fn describe_counter(&self, key: KeyName, _unit: Option<Unit>, description: SharedString) {
        self.describe(key, description);
    }

    fn describe_gauge(&self, key: KeyName, _unit: Option<Unit>, description: SharedString) {
        self.describe(key, description);
    }

    fn describe_histogram(&self, key: KeyName, _unit: Option<Unit>, description: SharedString) {
        self.describe(key, description);
    }

    fn register_counter(&self, key: &Key, _metadata: &Metadata<'_>) -> Counter {
        Counter::from_arc(cell(&self.inner.counters, key, AtomicU64::default))
    }

    fn register_gauge(&self, key: &Key, _metadata: &Metadata<'_>) -> Gauge {
        Gauge::from_arc(cell(&self.inner.gauges, key, AtomicU64::default))
    }

    fn register_histogram(&self, key: &Key, _metadata: &Metadata<'_>) -> Histogram {
        let bounds = self
            .inner
            .buckets
            .get(key.name())
            .copied()
            .unwrap_or(DEFAULT_BUCKETS);
        Histogram::from_arc(cell(&self.inner.histograms, key, || Buckets::new(bounds)))
    }
}

/// A fixed-bucket histogram: how many observations fell at or below each
/// bound (not cumulative here; rendering accumulates), and their sum.
struct Buckets {
    bounds: &'static [f64],
    /// One per bound, then one for the observations above every bound.
    counts: Box<[AtomicU64]>,
    /// `f64` bits.
    sum: AtomicU64,
}

impl Buckets {
    fn new(bounds: &'static [f64]) -> Self {
        Self {
            bounds,
            counts: (0..=bounds.len()).map(|_| AtomicU64::new(0)).collect(),
            sum: AtomicU64::new(0f64.to_bits()),
        }
    }

    /// The cumulative counts, as Prometheus reads them. Observations
    /// recorded meanwhile may make the sum and the counts disagree by those
    /// few, which any scrape of a live histogram allows.
    fn value(&self) -> HistogramValue {
        let mut total = 0;
        let mut cumulative = Vec::with_capacity(self.bounds.len());
        for (bound, count) in self.bounds.iter().zip(self.counts.iter()) {
            total += count.load(Ordering::Relaxed);
            cumulative.push((*bound, total));
        }
        total += self.counts[self.bounds.len()].load(Ordering::Relaxed);
        HistogramValue {
            buckets: cumulative,
            count: total,
            sum: f64::from_bits(self.sum.load(Ordering::Relaxed)),
        }
    }
}

impl HistogramFn for Buckets {
    fn record(&self, value: f64) {
        if value.is_nan() {
            return;
        }
        let bucket = self.bounds.partition_point(|bound| *bound < value);
        self.counts[bucket].fetch_add(1, Ordering::Relaxed);
        // The closure always returns `Some`, so the update cannot fail.
        let _ = self
            .sum
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |bits| {
                Some((f64::from_bits(bits) + value).to_bits())
            });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn observations_land_in_the_first_bucket_whose_bound_they_do_not_exceed() {
        let buckets = Buckets::new(&[0.1, 1.0]);
        for value in [0.05, 0.1, 0.5, 3.0, f64::NAN] {
            buckets.record(value);
        }

        let value = buckets.value();

        assert_eq!(value.buckets, [(0.1, 2), (1.0, 3)]);
        assert_eq!(value.count, 4, "NaN is not an observation");
        assert!((value.sum - 3.65).abs() < 1e-9, "{}", value.sum);
    }

    #[test]
    fn series_are_grouped_by_metric_and_carry_their_help() {
        let registry = Registry::with_buckets(&[("latency_seconds", &[0.5])]);
        metrics::with_local_recorder(&registry, || {
            metrics::describe_counter!("b_total", "Bees.");
            metrics::counter!("b_total", "hive" => "2").increment(2);
            metrics::counter!("b_total", "hive" => "1").increment(1);
            metrics::counter!("b_total", "hive" => "1").increment(1);
            metrics::counter!("a_total").increment(5);
            metrics::gauge!("queue").set(3.5);
            metrics::histogram!("latency_seconds").record(0.2);
        });

        let families = registry.families();

        let names: Vec<_> = families.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["a_total", "b_total", "latency_seconds", "queue"]);
        assert_eq!(families[1].help.as_deref(), Some("Bees."));
        let label = |v: &str| vec![("hive".to_owned(), v.to_owned())];
        assert_eq!(
            families[1].values,
            Values::Counters(vec![(label("1"), 2), (label("2"), 2)])
        );
        assert_eq!(
            families[2].values,
            Values::Histograms(vec![(
                Vec::new(),
                HistogramValue {
                    buckets: vec![(0.5, 1)],
                    count: 1,
                    sum: 0.2
                }
            )])
        );
        assert_eq!(families[3].values, Values::Gauges(vec![(Vec::new(), 3.5)]));
    }
}
