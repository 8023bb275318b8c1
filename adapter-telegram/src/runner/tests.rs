//! The runner's loop over a stream of updates, with trees that record what
//! they were given: chats at once, each chat's updates in order, a chat
//! held up or panicking on its own, and every update done before the run
//! ends.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures::future::BoxFuture;
use teloxide::dptree;
use tokio::sync::{Semaphore, mpsc};

use super::*;

/// Guards against a hang only: every wait below ends far sooner when the
/// runner works.
const GIVE_UP: Duration = Duration::from_secs(60);

/// A text message from `chat`.
fn message(update_id: i64, chat: i64) -> Update {
    crate::test_updates::text_message(chat, update_id)
}

/// Errors are not expected from these trees.
struct Unexpected;

impl ErrorHandler<Infallible> for Unexpected {
    fn handle_error(self: Arc<Self>, error: Infallible) -> BoxFuture<'static, ()> {
        match error {}
    }
}

/// Runs `tree` over the updates sent to the returned sender, until it is
/// dropped.
fn serve(
    tree: UpdateHandler<Infallible>,
) -> (mpsc::UnboundedSender<Update>, tokio::task::JoinHandle<()>) {
    let (updates, mut incoming) = mpsc::unbounded_channel::<Update>();
    let stream = futures::stream::poll_fn(move |cx| {
        incoming
            .poll_recv(cx)
            .map(|update| update.map(Ok::<Update, Infallible>))
    });
    let shared = Shared::new(tree, DependencyMap::new(), Arc::new(Unexpected));
    let listener_errors: Arc<dyn ErrorHandler<Infallible> + Send + Sync> = Arc::new(Unexpected);
    let running = tokio::spawn(shared.serve(stream, listener_errors));
    (updates, running)
}

async fn within_reason<T>(work: impl Future<Output = T>) -> T {
    tokio::time::timeout(GIVE_UP, work)
        .await
        .expect("the runner stalled")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chat_held_up_does_not_hold_up_any_other() {
    // Chat 1's update waits until the test lets it go, as a reply waits
    // for a slow Telegram; every other chat's update reports its chat.
    let held = Arc::new(Semaphore::new(0));
    let (handled, mut reports) = mpsc::unbounded_channel::<i64>();
    let tree = {
        let held = Arc::clone(&held);
        dptree::endpoint(move |update: Update| {
            let (held, handled) = (Arc::clone(&held), handled.clone());
            async move {
                let chat = update.chat().unwrap().id.0;
                if chat == 1 {
                    let _ = held.acquire().await;
                }
                handled.send(chat).unwrap();
                Ok(())
            }
        })
    };
    let (updates, running) = serve(tree);
    updates.send(message(1, 1)).unwrap();
    for chat in 2..=300 {
        updates.send(message(chat, chat)).unwrap();
    }
    let mut others = Vec::new();
    while others.len() < 299 {
        others.push(within_reason(reports.recv()).await.unwrap());
    }
    others.sort_unstable();
    assert_eq!(others, (2..=300).collect::<Vec<_>>());

    held.add_permits(1);
    assert_eq!(within_reason(reports.recv()).await, Some(1));
    drop(updates);
    within_reason(running).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_chats_updates_run_one_at_a_time_in_the_order_they_came() {
    let running_now = Arc::new(AtomicBool::new(false));
    let (handled, mut reports) = mpsc::unbounded_channel::<(i64, i32)>();
    let tree = {
        let running_now = Arc::clone(&running_now);
        dptree::endpoint(move |update: Update| {
            let (running_now, handled) = (Arc::clone(&running_now), handled.clone());
            async move {
                let chat = update.chat().unwrap().id.0;
                if chat == 7 {
                    assert!(
                        !running_now.swap(true, Ordering::AcqRel),
                        "two of chat 7's updates at once"
                    );
                    // Gives other tasks their turn in the middle.
                    tokio::task::yield_now().await;
                    running_now.store(false, Ordering::Release);
                }
                handled.send((chat, update.id.0 as i32)).unwrap();
                Ok(())
            }
        })
    };
    let (updates, running) = serve(tree);
    // Chat 7's updates interleaved with other chats'.
    for id in 0..200 {
        let chat = if id % 2 == 0 { 7 } else { 1_000 + id };
        updates.send(message(id, chat)).unwrap();
    }
    drop(updates);
    within_reason(running).await.unwrap();

    let mut chat_seven = Vec::new();
    let mut total = 0;
    while let Ok((chat, id)) = reports.try_recv() {
        total += 1;
        if chat == 7 {
            chat_seven.push(id);
        }
    }
    assert_eq!(total, 200, "every update handled before the run ended");
    assert_eq!(chat_seven, (0..200).step_by(2).collect::<Vec<_>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_update_that_panics_does_not_stop_its_chat() {
    let (handled, mut reports) = mpsc::unbounded_channel::<i32>();
    let tree = dptree::endpoint(move |update: Update| {
        let handled = handled.clone();
        async move {
            let id = update.id.0 as i32;
            assert_ne!(id, 1, "the update that panics");
            handled.send(id).unwrap();
            Ok(())
        }
    });
    let (updates, running) = serve(tree);
    for id in 0..3 {
        updates.send(message(id, 5)).unwrap();
    }
    assert_eq!(within_reason(reports.recv()).await, Some(0));
    assert_eq!(within_reason(reports.recv()).await, Some(2));
    drop(updates);
    within_reason(running).await.unwrap();
}
