//! The Prometheus text exposition format (version 0.0.4), which `/metrics`
//! answers: `# HELP` and `# TYPE` lines, then one line per sample.

use std::fmt::Write as _;

/// The content type of the format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// A series' labels, as name and value, in the order recorded.
pub(super) type Labels = Vec<(String, String)>;

/// One metric and its series.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Family {
    pub(super) name: String,
    /// The `# HELP` text; none for a metric nobody described.
    pub(super) help: Option<String>,
    pub(super) values: Values,
}

/// A metric's series, all of one type.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Values {
    Counters(Vec<(Labels, u64)>),
    Gauges(Vec<(Labels, f64)>),
    Histograms(Vec<(Labels, HistogramValue)>),
}

/// A histogram as Prometheus reads it.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct HistogramValue {
    /// Upper bounds with the cumulative count of observations at or below
    /// each; the `+Inf` bucket is `count`.
    pub(super) buckets: Vec<(f64, u64)>,
    pub(super) count: u64,
    pub(super) sum: f64,
}

/// `families` in the text format.
pub(super) fn render(families: &[Family]) -> String {
    let mut out = String::new();
    for family in families {
        let name = &family.name;
        if let Some(help) = &family.help {
            let _ = writeln!(out, "# HELP {name} {}", escape_help(help));
        }
        match &family.values {
            Values::Counters(series) => {
                let _ = writeln!(out, "# TYPE {name} counter");
                for (labels, value) in series {
                    let _ = writeln!(out, "{name}{} {value}", label_set(labels, None));
                }
            }
            Values::Gauges(series) => {
                let _ = writeln!(out, "# TYPE {name} gauge");
                for (labels, value) in series {
                    let _ = writeln!(out, "{name}{} {}", label_set(labels, None), number(*value));
                }
            }
            Values::Histograms(series) => {
                let _ = writeln!(out, "# TYPE {name} histogram");
                for (labels, histogram) in series {
                    for (bound, count) in &histogram.buckets {
                        let le = number(*bound);
                        let _ =
                            writeln!(out, "{name}_bucket{} {count}", label_set(labels, Some(&le)));
                    }
                    let all = label_set(labels, Some("+Inf"));
                    let plain = label_set(labels, None);
                    let _ = writeln!(out, "{name}_bucket{all} {}", histogram.count);
                    let _ = writeln!(out, "{name}_sum{plain} {}", number(histogram.sum));
                    let _ = writeln!(out, "{name}_count{plain} {}", histogram.count);
                }
            }
        }
    }
    out
}

/// `{a="x",b="y"}` with an `le` label last when given; empty without labels.
fn label_set(labels: &Labels, le: Option<&str>) -> String {
    let pairs: Vec<String> = labels
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .chain(le.map(|le| ("le", le)))
        .map(|(name, value)| format!("{name}=\"{}\"", escape_label_value(value)))
        .collect();
    if pairs.is_empty() {
        String::new()
    } else {
        format!("{{{}}}", pairs.join(","))
    }
}

/// A sample value: Go's spelling of the special values, which Prometheus
/// parses, and Rust's shortest round-trip decimal otherwise.
fn number(value: f64) -> String {
    if value.is_nan() {
        "NaN".to_owned()
    } else if value.is_infinite() {
        if value > 0.0 { "+Inf" } else { "-Inf" }.to_owned()
    } else {
        value.to_string()
    }
}

fn escape_help(text: &str) -> String {
    text.replace('\\', "\\\\").replace('\n', "\\n")
}

fn escape_label_value(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn every_type_renders_in_the_text_format() {
        let families = [
            Family {
                name: "jobs_total".to_owned(),
                help: Some("Jobs done.\nBy kind, with a \\.".to_owned()),
                values: Values::Counters(vec![
                    (labels(&[("kind", "a")]), 3),
                    (labels(&[("kind", "say \"hi\"\n")]), 1),
                ]),
            },
            Family {
                name: "queue".to_owned(),
                help: None,
                values: Values::Gauges(vec![
                    (Vec::new(), 2.5),
                    (labels(&[("q", "x")]), f64::INFINITY),
                ]),
            },
            Family {
                name: "wait_seconds".to_owned(),
                help: Some("Waits.".to_owned()),
                values: Values::Histograms(vec![(
                    labels(&[("bot", "client")]),
                    HistogramValue {
                        buckets: vec![(0.005, 1), (1.0, 3)],
                        count: 4,
                        sum: 7.25,
                    },
                )]),
            },
        ];

        assert_eq!(
            render(&families),
            "# HELP jobs_total Jobs done.\\nBy kind, with a \\\\.\n\
             # TYPE jobs_total counter\n\
             jobs_total{kind=\"a\"} 3\n\
             jobs_total{kind=\"say \\\"hi\\\"\\n\"} 1\n\
             # TYPE queue gauge\n\
             queue 2.5\n\
             queue{q=\"x\"} +Inf\n\
             # HELP wait_seconds Waits.\n\
             # TYPE wait_seconds histogram\n\
             wait_seconds_bucket{bot=\"client\",le=\"0.005\"} 1\n\
             wait_seconds_bucket{bot=\"client\",le=\"1\"} 3\n\
             wait_seconds_bucket{bot=\"client\",le=\"+Inf\"} 4\n\
             wait_seconds_sum{bot=\"client\"} 7.25\n\
             wait_seconds_count{bot=\"client\"} 4\n"
        );
    }
}
