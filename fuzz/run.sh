#!/usr/bin/env bash
# Runs every fuzz target (or those named) for SECONDS each (default 600),
# one after another, then minimises each corpus so that what is committed
# stays small. Needs `cargo install cargo-fuzz`; works on stable Rust
# (`--sanitizer none`). Crashes land in fuzz/artifacts/<target>/.
#
#   fuzz/run.sh                      # every target, 10 minutes each
#   SECONDS_EACH=60 fuzz/run.sh phone
set -euo pipefail
cd "$(dirname "$0")"
seconds=${SECONDS_EACH:-600}
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(client_callback admin_callback phone names_and_texts config_file catalog_file webhook_body)
fi
for target in "${targets[@]}"; do
    echo "== $target: ${seconds} s"
    cargo fuzz run "$target" --sanitizer none -- -max_total_time="$seconds" -max_len=4096 -print_final_stats=1
    cargo fuzz cmin "$target" --sanitizer none
    # cmin rewrites the corpus under new names; the committed inputs (the
    # seeds and every input that once found a bug) stay as they were.
    git checkout -- "corpus/$target" 2>/dev/null || true
done
