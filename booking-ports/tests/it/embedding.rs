//! Runs the embedding example of `docs/EMBEDDING.md`, so the documented code
//! compiles and works.

#[path = "../../examples/embed.rs"]
#[allow(dead_code)]
mod example;

#[tokio::test]
async fn the_embedding_example_books_and_cancels() {
    example::run().await.unwrap();
}
