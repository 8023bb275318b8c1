//! Where an update's instructions go: one callgrind dump's functions, by
//! their own (exclusive) instructions, summed into the parts of the bot
//! that spend them.
//!
//! A function is put in the part
//! of the first crate its (demangled) name mentions, leaving out `core`,
//! `alloc` and `std`, whose generic code runs on behalf of whoever called
//! it: `drop_in_place<sqlx_sqlite::…>` is SQLite's. The C functions built
//! into the binary are SQLite's, but for jemalloc's (told by their names,
//! see [`is_jemalloc`]), which count with libc's. The bench profile has no debug
//! information, so code inlined into a function counts as that function's:
//! a future of tokio or sqlx polled inside one of our `async fn`s is ours.

use std::collections::HashMap;
use std::path::Path;

/// The parts, in the order the report shows them, each with the crates
/// (or, for C, the source file) whose functions it counts.
pub(crate) const PARTS: [(&str, &[&str]); 10] = [
    (
        "SQLite: sqlx, its worker channel, the library",
        &[
            "sqlx",
            "sqlx_core",
            "sqlx_sqlite",
            "libsqlite3_sys",
            "flume",
        ],
    ),
    (
        "HTTP client: reqwest, hyper",
        &[
            "reqwest",
            "hyper",
            "hyper_util",
            "http",
            "http_body",
            "http_body_util",
            "httparse",
            "tower",
            "want",
            "url",
            "h2",
        ],
    ),
    ("tokio: scheduler, timers, I/O", &["tokio", "mio"]),
    (
        "teloxide and dptree (with their types' serde code)",
        &["teloxide", "teloxide_core", "dptree"],
    ),
    ("JSON: serde_json", &["serde_json", "serde"]),
    (
        "the engine and the bot (our crates)",
        &[
            "booking_domain",
            "booking_ports",
            "adapter_telegram",
            "adapter_sqlite",
            "app",
            "booking",
        ],
    ),
    (
        "texts: Fluent",
        &[
            "fluent",
            "fluent_bundle",
            "fluent_syntax",
            "intl_memoizer",
            "intl_pluralrules",
            "unic_langid",
        ],
    ),
    ("time: chrono, chrono-tz", &["chrono", "chrono_tz"]),
    (
        "logs: tracing",
        &["tracing", "tracing_core", "tracing_subscriber"],
    ),
    (
        "the allocator and libc: jemalloc, memcpy, system call wrappers",
        &["libc.so", "ld-linux"],
    ),
];

/// Everything else: `std`, `core` and `alloc` on their own, other crates.
pub(crate) const OTHER: &str = "other: std, core, alloc, other crates";

/// Instructions per part of one dump, in [`PARTS`] order, then [`OTHER`].
pub(crate) type Split = [u64; PARTS.len() + 1];

/// The instructions of the dump at `path`, split into parts; they add up
/// to the dump's total.
///
/// Read from callgrind's format itself: a function's own instructions are
/// its cost lines, and the line after a `calls=` line is a call's
/// inclusive cost, left out. (`callgrind_annotate` would add the calls
/// still under way when a dump is taken, the runtime's loops and the
/// threads' roots, to those functions' own counts.)
pub(crate) fn split(path: &Path) -> Result<Split, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    // Names are compressed: `fn=(12) name` the first time, `fn=(12)` after;
    // objects likewise with `ob=`.
    let mut functions: HashMap<u64, String> = HashMap::new();
    let mut objects: HashMap<u64, String> = HashMap::new();
    let mut object = String::new();
    let mut function = String::new();
    let mut own: HashMap<(String, String), u64> = HashMap::new();
    let mut after_calls = false;
    for line in text.lines() {
        let Some(first) = line.bytes().next() else {
            continue;
        };
        if first.is_ascii_digit() || matches!(first, b'+' | b'-' | b'*') {
            if std::mem::take(&mut after_calls) {
                continue;
            }
            let cost = line
                .split_whitespace()
                .nth(1)
                .and_then(|n| n.parse::<u64>().ok())
                .unwrap_or(0);
            *own.entry((function.clone(), object.clone())).or_default() += cost;
        } else if let Some(rest) = line.strip_prefix("calls=") {
            after_calls = !rest.is_empty();
        } else if let Some(rest) = line.strip_prefix("ob=") {
            object = named(rest, &mut objects);
        } else if let Some(rest) = line.strip_prefix("cob=") {
            named(rest, &mut objects);
        } else if let Some(rest) = line.strip_prefix("fn=") {
            function = named(rest, &mut functions);
        } else if let Some(rest) = line.strip_prefix("cfn=") {
            named(rest, &mut functions);
        }
    }
    let mut split = [0; PARTS.len() + 1];
    for ((function, object), cost) in own {
        split[part_of(&function, &object)] += cost;
    }
    Ok(split)
}

/// The name of a compressed `(id) name` or `(id)`, remembering new ones.
fn named(compressed: &str, names: &mut HashMap<u64, String>) -> String {
    let Some((id, name)) = compressed
        .strip_prefix('(')
        .and_then(|rest| rest.split_once(')'))
    else {
        return compressed.to_owned();
    };
    let Ok(id) = id.parse::<u64>() else {
        return compressed.to_owned();
    };
    let name = name.trim();
    if name.is_empty() {
        names.get(&id).cloned().unwrap_or_default()
    } else {
        names.insert(id, name.to_owned());
        name.to_owned()
    }
}

/// The index in [`Split`] of `function`, which `object` holds.
fn part_of(function: &str, object: &str) -> usize {
    // The C code built into the binary is SQLite's and jemalloc's (without
    // debug information their static functions have no file to tell them
    // by); Rust's functions all have paths.
    if !function.contains("::") && object.ends_with("/booking") {
        return if is_jemalloc(function) { LIBC } else { 0 };
    }
    let mut first: Option<(usize, usize)> = None;
    for (part, (_, crates)) in PARTS.iter().enumerate() {
        for name in crates.iter() {
            if let Some(at) = crate_position(function, name)
                && first.is_none_or(|(best, _)| at < best)
            {
                first = Some((at, part));
            }
        }
    }
    if let Some((_, part)) = first {
        return part;
    }
    // A C function of libc or the loader.
    PARTS
        .iter()
        .position(|(_, crates)| crates.iter().any(|name| object.contains(name)))
        .unwrap_or(PARTS.len())
}

/// The part jemalloc's functions count in: libc's, where glibc's malloc
/// counted before `booking` ran on jemalloc.
const LIBC: usize = PARTS.len() - 1;

/// Whether C function `function` of the binary is jemalloc's: its API
/// (unprefixed: it is the process's `malloc`), its namespaced functions
/// (`_rjem_je_…`) and its static ones, named in snake case by module.
/// SQLite's are `sqlite3…` or camel case, but for a few `pager_…` ones.
fn is_jemalloc(function: &str) -> bool {
    const API: &str = "malloc free calloc realloc posix_memalign aligned_alloc memalign valloc \
                       mallocx rallocx xallocx sallocx dallocx sdallocx nallocx \
                       malloc_usable_size";
    const MODULES: &str = "_rjem_ je_ arena_ tcache_ extent_ pac_ pa_ ecache_ edata_ emap_ \
                           eset_ sz_ hpa_ hpdata_ psset_ sec_ large_ base_ bin_ tsd_ te_ \
                           rtree_ malloc_ prof_ witness_ ehooks_ san_ imalloc ifree isfree \
                           isdalloct do_rallocx ialloc iralloc idalloc";
    API.split_whitespace().any(|name| name == function)
        || MODULES
            .split_whitespace()
            .any(|module| function.starts_with(module))
}

/// Where crate `name` is first named as a path's start in `function`
/// (`name::`), at the start or after a character that cannot be part of
/// an identifier.
fn crate_position(function: &str, name: &str) -> Option<usize> {
    let pattern = format!("{name}::");
    function.match_indices(&pattern).find_map(|(at, _)| {
        let before = function[..at].chars().next_back();
        before
            .is_none_or(|c| !(c.is_alphanumeric() || c == '_'))
            .then_some(at)
    })
}
