//! Several instances under load: three `booking run` processes in webhook
//! mode on one PostgreSQL database, behind a round-robin proxy inside the
//! test; 300 customers book through the fake Bot API, 100 at a time (the test
//! plays Telegram: it POSTs each update to the proxy and sends it again
//! until it is answered 200); one instance is killed with SIGKILL once 100
//! customers were told "Booked".
//!
//! Asserted: no two active bookings of one staff member overlap; every
//! customer told "Booked" has exactly that one booking, and every other
//! customer none; every update is recorded and finished; every booking's
//! notice reached the owner's chat. Exactly once across a SIGKILL is not
//! possible for what leaves the process: a reply or notice Telegram
//! accepted just before the kill, whose update or notice was not yet
//! marked done, goes out again from the instance that takes over. So a
//! second "Booked" or a second notice is allowed only when the first came
//! from the killed instance; the test prints how many there were.
#![allow(clippy::unwrap_used, clippy::expect_used)]
// It reports how many customers booked and what went out twice.
#![allow(clippy::print_stdout)]

mod common;
#[path = "postgres_scale_out/customer.rs"]
mod customer;
#[path = "postgres_scale_out/proxy.rs"]
mod proxy;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use adapter_postgres::testing::PgTestDb;
use booking_domain::TelegramUserId;
use booking_ports::{BookingStore, BotName, CustomerStore, UpdateInbox};
use common::*;
use customer::{Outcome, customer, name_of, text_of};
use proxy::start_proxy;
use serde_json::{Value, json};
use tokio::sync::{Semaphore, mpsc, oneshot, watch};

const CUSTOMERS: i64 = 300;
const KILL_AFTER: usize = 100;
/// How long a customer looks at a screen before acting.
const THINK: std::time::Duration = std::time::Duration::from_millis(400);
/// Customers in the middle of booking at once.
const AT_ONCE: usize = 100;
/// The owner's chat: told about every booking by the admin bot.
const OWNER: i64 = 9000;
const FIRST_CUSTOMER: i64 = 100_000;
const INSTANCES: [&str; 3] = ["first", "second", "third"];
const KILLED: &str = "first";
const SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";

/// Timeouts short enough that a killed instance's notices are taken over
/// within seconds, no per-chat gap (every notice goes to one chat), and
/// three staff members working every day, so 300 customers find times.
fn configure(workspace: &Workspace) {
    let config = workspace.dir.path().join("booking.toml");
    let text = std::fs::read_to_string(&config).unwrap().replacen(
        "[telegram]\n",
        "[telegram]\npolling_timeout_seconds = 1\nrequest_timeout_seconds = 10\n",
        1,
    );
    std::fs::write(&config, text).unwrap();
    let mut extra = String::from(
        "\n[dispatch]\nper_chat_interval_ms = 0\nper_bot_per_second = 1000\n\
         poll_interval_seconds = 1\nclaim_lease_seconds = 11\n\n\
         [admin]\nallowed_user_ids = [9000]\nnotify_chat_ids = [9000]\n",
    );
    for (id, name) in [(3, "Oleg"), (4, "Pavel"), (5, "Irina")] {
        extra.push_str(&format!(
            "\n[[staff]]\nid = {id}\nname = \"{name}\"\n[staff.hours]\n"
        ));
        for day in ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] {
            extra.push_str(&format!("{day} = [\"08:00-22:00\"]\n"));
        }
    }
    extra.push_str(
        "\n[[services]]\nid = 4\nname = \"Express trim\"\nduration_minutes = 15\n\
         price = \"500\"\nstaff = [3, 4, 5]\n",
    );
    workspace.add_to_config(&extra);
}

fn instance(workspace: &Workspace, api: SocketAddr, db: &PgTestDb, name: &str) -> Running {
    let mut command = workspace.run_command(api);
    command
        .env("BOOKING_DATABASE_URL", db.url())
        .env("BOOKING_TELEGRAM_API_URL", format!("http://{api}/{name}"))
        .env("BOOKING_ADMIN_BOT_TOKEN", ADMIN_TOKEN)
        .env("BOOKING_HTTP_LISTEN", "127.0.0.1:0")
        .env("BOOKING_WEBHOOK_URL", "https://bots.example.com/telegram")
        .env("BOOKING_WEBHOOK_SECRET", WEBHOOK_SECRET);
    Running::spawn(command)
}

/// The fake Bot API's reports, sorted: each customer's replies to their
/// own channel (a callback answer by the update it answers), the owner's
/// notices aside, everything kept for the final count.
struct Reports {
    all: Arc<Mutex<Vec<(String, Value)>>>,
    /// How many reports `all` holds, announced after each one.
    count: watch::Receiver<usize>,
    customers: Vec<mpsc::UnboundedReceiver<(String, Value)>>,
    kill: oneshot::Receiver<()>,
}

fn customer_index(chat: i64) -> Option<usize> {
    usize::try_from(chat - FIRST_CUSTOMER)
        .ok()
        .filter(|k| *k < CUSTOMERS as usize)
}

fn sort_reports(mut requests: mpsc::UnboundedReceiver<(String, Value)>) -> Reports {
    let all = Arc::new(Mutex::new(Vec::new()));
    let (senders, customers): (Vec<_>, Vec<_>) =
        (0..CUSTOMERS).map(|_| mpsc::unbounded_channel()).unzip();
    let (kill, kill_signal) = oneshot::channel();
    let (counted, count) = watch::channel(0);
    let kept = Arc::clone(&all);
    tokio::spawn(async move {
        let mut kill = Some(kill);
        let mut booked = 0;
        while let Some((method, body)) = requests.recv().await {
            let reports = {
                let mut kept = kept.lock().unwrap();
                kept.push((method.clone(), body.clone()));
                kept.len()
            };
            counted.send_replace(reports);
            // A stalled request never reached Telegram: nobody sees it.
            if body["_stalled"] == json!(true) {
                continue;
            }
            let customer = body["chat_id"]
                .as_i64()
                .and_then(customer_index)
                .or_else(|| {
                    // "press-<update id>"; update ids are customer * 100 + step.
                    let press = body["callback_query_id"].as_str()?.strip_prefix("press-")?;
                    usize::try_from(press.parse::<i64>().ok()? / 100).ok()
                });
            if text_of(&body).starts_with("✅ Booked") {
                booked += 1;
                if booked >= KILL_AFTER
                    && let Some(kill) = kill.take()
                {
                    let _ = kill.send(());
                }
            }
            if let Some(sender) = customer.and_then(|k| senders.get(k)) {
                let _ = sender.send((method, body));
            }
        }
    });
    Reports {
        all,
        count,
        customers,
        kill: kill_signal,
    }
}

impl Reports {
    /// Waits until `done` holds for the reports so far.
    async fn until(&mut self, what: &str, done: impl Fn(&[(String, Value)]) -> bool) {
        let all = Arc::clone(&self.all);
        let waited =
            tokio::time::timeout(GIVE_UP, self.count.wait_for(|_| done(&all.lock().unwrap())))
                .await;
        assert!(matches!(waited, Ok(Ok(_))), "{what} never came");
    }
}

#[tokio::test]
async fn three_instances_under_load_lose_no_booking_when_one_is_killed() {
    let db = PgTestDb::create().await;
    let workspace = Workspace::new();
    configure(&workspace);
    let (api, fake, requests) = start_fake_telegram().await;
    let mut reports = sort_reports(requests);

    let mut running = Vec::new();
    let mut backends = Vec::new();
    for name in INSTANCES {
        let mut instance = instance(&workspace, api, &db, name);
        backends.push(instance.http_address().await);
        running.push((name, instance));
    }
    let proxy = start_proxy(backends).await;

    // At most AT_ONCE customers are in the middle of booking; the next
    // starts when one is done. So when the instance is killed, after
    // KILL_AFTER bookings, most are still to come or under way.
    let at_once = Arc::new(Semaphore::new(AT_ONCE));
    let customers: Vec<_> = reports
        .customers
        .drain(..)
        .enumerate()
        .map(|(k, replies)| {
            let at_once = Arc::clone(&at_once);
            tokio::spawn(async move {
                let _turn = at_once.acquire().await.unwrap();
                customer(k, proxy, replies).await
            })
        })
        .collect();
    let kill_signal = &mut reports.kill;
    tokio::time::timeout(GIVE_UP, kill_signal)
        .await
        .expect("never 100 bookings")
        .unwrap();
    // Killed while it provably handles a customer's update: from now on
    // its requests to the Bot API are never answered.
    fake.stall_instance(KILLED);
    reports
        .until("an answer to a customer from the instance to kill", |all| {
            // A reply, an edit or a button's answer: not a notice.
            all.iter()
                .any(|(_, body)| body["_stalled"] == json!(true) && body["chat_id"] != json!(OWNER))
        })
        .await;
    let (_, mut killed) = running.remove(0);
    killed.child.start_kill().unwrap();
    let (_, killed_logs) = killed.wait().await;

    let (mut outcomes, mut delivered) = (Vec::new(), 0);
    // Each customer gives up on a screen that never comes (GIVE_UP).
    for task in customers {
        let (outcome, updates) = task.await.unwrap();
        outcomes.push(outcome);
        delivered += updates;
    }
    let booked: Vec<usize> = (0..outcomes.len())
        .filter(|k| outcomes[*k] == Outcome::Booked)
        .collect();
    println!(
        "{} of {CUSTOMERS} customers booked, {} found their time taken",
        booked.len(),
        outcomes.len() - booked.len(),
    );

    // Every booking's notice reaches the owner, the killed instance's
    // claimed ones after their lease.
    let notices_of = |all: &[(String, Value)], k: usize| -> Vec<String> {
        let name = name_of(k);
        all.iter()
            .filter(|(method, body)| {
                method == "sendmessage"
                    && body["chat_id"] == json!(OWNER)
                    && body["_stalled"] != json!(true)
                    && text_of(body).contains(&name)
            })
            .map(|(_, body)| body["_instance"].as_str().unwrap_or("?").to_owned())
            .collect()
    };
    reports
        .until("every booking's notice to the owner", |all| {
            booked.iter().all(|k| !notices_of(all, *k).is_empty())
        })
        .await;

    // The killed instance's unfinished updates are taken over once its
    // leases run out (a lease, the grace and a tick after the kill); the
    // load may end sooner (a customer whose last answer it held is done),
    // so the others are stopped only when none is left.
    let store = db.open().await;
    let client = BotName::new("client").unwrap();
    let later = chrono::Utc::now() + chrono::TimeDelta::hours(1);
    let drained = tokio::time::timeout(GIVE_UP, async {
        while !store
            .chats_to_take_over(client.clone(), later, later, 1)
            .await
            .unwrap()
            .is_empty()
        {
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
    })
    .await;
    assert!(
        drained.is_ok(),
        "the killed instance's updates were never taken over"
    );

    let (mut taken_over, mut skipped_as_applied) = (0, 0);
    for (name, instance) in running {
        let (code, logs) = instance.terminate().await;
        taken_over += logs.matches("taking over a chat").count();
        skipped_as_applied += logs.matches("it is not applied twice").count();
        assert_eq!(
            code,
            Some(0),
            "{name}: {logs}\n--- killed ---\n{killed_logs}"
        );
    }

    let all = reports.all.lock().unwrap().clone();
    // Each customer told "Booked" has that one booking; the others none.
    // A confirmation handled again after the kill books once: its step is
    // still the summary (the screen goes first, the step after), and the
    // engine returns the booking it made.
    let mut everyones_bookings = Vec::new();
    for (k, outcome) in outcomes.iter().enumerate() {
        let account = TelegramUserId::new(FIRST_CUSTOMER + k as i64).unwrap();
        let bookings = match store.customer_by_telegram(account).await.unwrap() {
            Some(customer) => store.bookings_of_customer(customer.id).await.unwrap(),
            None => Vec::new(),
        };
        let told = usize::from(*outcome == Outcome::Booked);
        assert_eq!(
            bookings.len(),
            told,
            "customer {k} ({outcome:?}): {bookings:?}"
        );
        everyones_bookings.extend(bookings);
    }
    // "Booked" and the owner's notice once each, or twice when the first
    // copy left the killed instance.
    let (mut second_booked, mut second_notices) = (0, 0);
    for k in &booked {
        let chat = json!(FIRST_CUSTOMER + *k as i64);
        let told: Vec<&str> = all
            .iter()
            .filter(|(_, body)| {
                body["chat_id"] == chat
                    && body["_stalled"] != json!(true)
                    && text_of(body).starts_with("✅ Booked")
            })
            .map(|(_, body)| body["_instance"].as_str().unwrap_or("?"))
            .collect();
        assert!(
            told.len() == 1 || (told.len() == 2 && told.contains(&KILLED)),
            "customer {k} told {told:?}"
        );
        second_booked += told.len() - 1;
        let notices = notices_of(&all, *k);
        assert!(
            notices.len() == 1 || (notices.len() == 2 && notices.iter().any(|i| i == KILLED)),
            "customer {k}'s booking noticed by {notices:?}"
        );
        second_notices += notices.len() - 1;
    }
    assert!(
        taken_over > 0,
        "the killed instance left nothing to take over"
    );
    let replies_of_killed = all
        .iter()
        .filter(|(_, body)| body["_instance"] == KILLED)
        .count();
    println!(
        "the killed instance made {replies_of_killed} requests to the Bot API; {taken_over} of its chats were taken over; \
         {skipped_as_applied} updates handled again were found applied; \
         sent twice across the kill: {second_booked} \"Booked\" replies, {second_notices} notices"
    );

    // No two active bookings of one staff member overlap (the database's
    // exclusion constraint, checked from outside). Only customers book,
    // so their bookings are all there are.
    let active: Vec<_> = everyones_bookings
        .iter()
        .filter(|b| b.is_active())
        .collect();
    for (nth, a) in active.iter().enumerate() {
        for b in &active[nth + 1..] {
            assert!(
                a.staff() != b.staff() || !a.occupied().overlaps(&b.occupied()),
                "{a:?} overlaps {b:?}"
            );
        }
    }
    // Every update delivered was recorded and finished: none is left for
    // anyone to take over, and the finished ones are all of them.
    let waiting = store
        .chats_to_take_over(client, later, later, 10)
        .await
        .unwrap();
    assert!(waiting.is_empty(), "{waiting:?}");
    let finished = store.purge_finished_updates(later).await.unwrap();
    assert_eq!(finished, delivered, "updates finished, of those delivered");
    store.close().await;
}
