//! Replays every fuzz target's corpus (`fuzz/corpus/<target>/`): the real
//! examples it was seeded with and every input the fuzzer kept, including
//! those that once found a bug. A property that stops holding fails here,
//! under plain `cargo test`, without a fuzzer. docs/SECURITY.md ("Fuzzing")
//! says how to run the fuzzer itself.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

fn corpus_of(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target)
}

#[test]
fn every_target_has_a_seeded_corpus_and_every_input_holds_its_properties() {
    for (target, harness) in tests::fuzz::TARGETS {
        let folder = corpus_of(target);
        let mut inputs: Vec<PathBuf> = std::fs::read_dir(&folder)
            .unwrap_or_else(|e| panic!("{}: {e}", folder.display()))
            .map(|entry| entry.unwrap().path())
            .collect();
        inputs.sort();
        assert!(!inputs.is_empty(), "{target}: the corpus is empty");
        for input in inputs {
            let data = std::fs::read(&input).unwrap();
            let outcome = std::panic::catch_unwind(|| harness(&data));
            assert!(outcome.is_ok(), "{target}: {} fails", input.display());
        }
    }
}

#[test]
fn every_corpus_folder_belongs_to_a_target() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus");
    for entry in std::fs::read_dir(root).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        assert!(
            tests::fuzz::TARGETS
                .iter()
                .any(|(target, _)| *target == name),
            "fuzz/corpus/{name} has no harness in tests::fuzz::TARGETS"
        );
    }
}
