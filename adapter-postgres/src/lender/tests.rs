//! The lender on a real server: connections kept and lent again, and what
//! happens when the server ends the sessions of kept connections (as a
//! restart or a failover of the primary does).

use futures::FutureExt;
use sqlx::postgres::PgPoolOptions;
use sqlx::{Connection, PgConnection};

use super::*;
use crate::testing::PgTestDb;

async fn pool(db: &PgTestDb, max: u32) -> PgPool {
    PgPoolOptions::new()
        .max_connections(max)
        .connect(db.url())
        .await
        .unwrap()
}

/// The server process behind `connection`.
async fn backend_pid(connection: &mut PgConnection) -> i32 {
    sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(connection)
        .await
        .unwrap()
}

/// Ends the sessions of `pids` from another connection, as the server does
/// to every session when it shuts down, and waits until they are gone.
async fn end_sessions(db: &PgTestDb, pids: &[i32]) {
    let mut admin = db.raw_connection().await;
    for pid in pids {
        let ended: bool = sqlx::query_scalar("SELECT pg_terminate_backend($1, 10000)")
            .bind(pid)
            .fetch_one(&mut admin)
            .await
            .unwrap();
        assert!(ended, "session {pid} ended");
    }
    admin.close().await.unwrap();
}

/// Two kept connections whose sessions the server then ended.
async fn two_kept_then_ended(db: &PgTestDb, lender: &Lender) -> [i32; 2] {
    let (mut a, mut b) = (lender.lend().await.unwrap(), lender.lend().await.unwrap());
    let pids = [backend_pid(&mut a).await, backend_pid(&mut b).await];
    lender.take_back(a);
    lender.take_back(b);
    assert_eq!(lender.kept(), 2);
    end_sessions(db, &pids).await;
    pids
}

/// The next loan is a live session, none of `ended`, and nothing lost is
/// kept any more.
async fn lends_a_live_session(lender: &Lender, ended: &[i32]) {
    let mut lent = lender.lend().await.unwrap();
    assert_eq!(lender.kept(), 0, "every lost connection was given back");
    let pid = backend_pid(&mut lent).await;
    assert!(!ended.contains(&pid), "a new session, not an ended one");
    lender.take_back(lent);
    lender.give_back_all();
}

#[tokio::test]
async fn finished_connections_are_kept_up_to_the_bound_and_lent_again() {
    let db = PgTestDb::create().await;
    let lender = Lender::new(pool(&db, 3).await, 1);
    let (mut a, b) = (lender.lend().await.unwrap(), lender.lend().await.unwrap());
    let kept_pid = backend_pid(&mut a).await;
    lender.take_back(a);
    lender.take_back(b);
    assert_eq!(lender.kept(), 1, "one kept, the other back in the pool");

    let mut lent = lender.lend().await.unwrap();
    assert_eq!(lender.kept(), 0, "the kept one is lent first");
    assert_eq!(backend_pid(&mut lent).await, kept_pid, "the same session");
    let answer: Result<i32, _> = sqlx::query_scalar("SELECT 7").fetch_one(&mut *lent).await;
    assert_eq!(lender.finished(lent, answer).unwrap(), 7);
    assert_eq!(lender.kept(), 1);

    let mut lent = lender.lend().await.unwrap();
    let refused: Result<i32, _> = sqlx::query_scalar("SELECT nope")
        .fetch_one(&mut *lent)
        .await;
    assert!(lender.finished(lent, refused).is_err());
    assert_eq!(lender.kept(), 0, "after a failure it goes back to the pool");
    lender.give_back_all();
}

/// Kept connections are lent again and again under load; one out of the
/// pool for `BACK_TO_POOL_AFTER` goes back to it, whose `max_lifetime`
/// (here 1 ms) closes it.
#[tokio::test]
async fn a_connection_long_out_of_the_pool_goes_back_to_it_for_its_lifetime() {
    let db = PgTestDb::create().await;
    let pool = PgPoolOptions::new()
        .max_connections(2)
        .max_lifetime(Duration::from_millis(1))
        .connect(db.url())
        .await
        .unwrap();
    let lender = Lender::new(pool, 1);
    let mut young = lender.lend().await.unwrap();
    let pid = backend_pid(&mut young).await;
    lender.take_back(young);
    assert_eq!(
        lender.kept(),
        1,
        "kept while young, past the pool's lifetime"
    );

    let mut old = lender.lend().await.unwrap();
    assert_eq!(backend_pid(&mut old).await, pid, "the kept one");
    Lender::age_out_of_pool(&mut old, BACK_TO_POOL_AFTER);
    lender.take_back(old);
    assert_eq!(lender.kept(), 0, "given back to the pool");
    let mut next = lender.lend().await.unwrap();
    assert_ne!(
        backend_pid(&mut next).await,
        pid,
        "the pool closed it: past its max_lifetime"
    );
    lender.give_back_all();
}

#[tokio::test]
async fn a_connection_kept_through_a_pause_is_tested_and_a_lost_one_replaced() {
    let db = PgTestDb::create().await;
    let lender = Lender::new(pool(&db, 4).await, 2);
    let ended = two_kept_then_ended(&db, &lender).await;
    lender.age_kept(PING_AFTER_IDLE * 2);

    // The first customer after the pause: the kept connection fails its
    // ping, every kept one goes back, and the statement runs on a live one.
    lends_a_live_session(&lender, &ended).await;
}

#[tokio::test]
async fn a_lost_connection_found_by_a_statement_gives_back_every_kept_one() {
    let db = PgTestDb::create().await;
    let lender = Lender::new(pool(&db, 4).await, 2);
    let ended = two_kept_then_ended(&db, &lender).await;

    // Kept a moment ago, so lent untested: its statement finds it lost.
    let mut lent = lender.lend().await.unwrap();
    let failed: Result<i32, _> = sqlx::query_scalar("SELECT 1").fetch_one(&mut *lent).await;
    let error = lender.finished(lent, failed).unwrap_err();
    assert!(connection_lost(&error), "{error}");
    assert_eq!(lender.kept(), 0, "the other lost one was given back");

    // The next statement runs on a session of the pool's, which tests it.
    lends_a_live_session(&lender, &ended).await;
}

#[tokio::test]
async fn a_connection_taken_back_while_a_borrower_waits_for_the_pool_goes_to_it() {
    let db = PgTestDb::create().await;
    let lender = Lender::new(pool(&db, 1).await, 1);
    let lent = lender.lend().await.unwrap();
    let mut waiter = std::pin::pin!(lender.lend());
    assert!(
        waiter.as_mut().now_or_never().is_none(),
        "the pool's only connection is lent"
    );
    lender.take_back(lent);
    assert_eq!(lender.kept(), 0, "not kept: someone waits for it");
    // Kept, it would never reach the waiter, which would fail after the
    // pool's acquire timeout.
    let mut connection = waiter.await.unwrap();
    let answer: i32 = sqlx::query_scalar("SELECT 7")
        .fetch_one(&mut *connection)
        .await
        .unwrap();
    assert_eq!(answer, 7);
    drop(connection);
    lender.give_back_all();
}

#[tokio::test]
async fn a_cancelled_wait_for_the_pool_does_not_stop_keeping() {
    let db = PgTestDb::create().await;
    let lender = Lender::new(pool(&db, 1).await, 1);
    let lent = lender.lend().await.unwrap();
    {
        let mut waiter = std::pin::pin!(lender.lend());
        assert!(waiter.as_mut().now_or_never().is_none());
    }
    lender.take_back(lent);
    assert_eq!(lender.kept(), 1);
    lender.give_back_all();
}

#[tokio::test]
async fn kept_connections_go_back_before_the_pool_closes() {
    let db = PgTestDb::create().await;
    let pool = pool(&db, 2).await;
    let lender = Lender::new(pool.clone(), 2);
    let (a, b) = (lender.lend().await.unwrap(), lender.lend().await.unwrap());
    lender.take_back(a);
    lender.give_back_all();
    // Returned after the close began: not kept.
    lender.take_back(b);
    assert_eq!(lender.kept(), 0);
    // sqlx's close waits for every connection: it ends.
    pool.close().await;
    assert!(pool.is_closed());
}

#[test]
fn the_servers_shutdown_codes_are_lost_connections_and_refusals_are_not() {
    let io = sqlx::Error::Io(std::io::Error::from(std::io::ErrorKind::ConnectionReset));
    assert!(connection_lost(&io));
    assert!(!connection_lost(&sqlx::Error::RowNotFound));
    assert!(!connection_lost(&sqlx::Error::PoolTimedOut));
}
