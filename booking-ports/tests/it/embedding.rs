//! Runs the embedding example of `docs/EMBEDDING.md`, so the documented code
//! compiles and works.

#[path = "../../examples/embed.rs"]
#[allow(dead_code)]
mod example;

#[tokio::test]
async fn the_embedding_example_books_and_cancels() {
    example::run().await.unwrap();
}

#[test]
fn the_embedding_guide_shows_the_example_verbatim() {
    let guide = include_str!("../../../docs/EMBEDDING.md");
    let example = include_str!("../../examples/embed.rs");
    let marker = "<!-- example: booking-ports/examples/embed.rs -->\n```rust\n";
    let start = guide.find(marker).expect("the guide marks the example") + marker.len();
    let length = guide[start..]
        .find("```\n")
        .expect("the example block ends");
    assert_eq!(
        &guide[start..start + length],
        example,
        "docs/EMBEDDING.md must show examples/embed.rs verbatim; copy it over"
    );
}
