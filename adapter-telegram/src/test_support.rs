//! Test support (feature `test-support`): the harness of the client bot's
//! tests, shared with the app's log tests. A small salon on the in-memory
//! engine with a stopped clock, the real handler tree driven through
//! teloxide_tests' mock Bot API, and helpers that act like a customer (type,
//! share a contact, press a button by its label).
//!
//! teloxide_tests allows one `MockBot` per process (a global lock), so the
//! harness creates it first and everything else after, as its docs advise.
#![allow(
    missing_debug_implementations,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::missing_panics_doc,
    reason = "test code: a failed step is a failed test"
)]

use std::sync::Arc;

use crate::{BusinessInfo, ClientBot, HandlerError, Language, Locales, handler_tree};
use booking_domain::{
    BookingId, Currency, CustomerId, LocalTimeRange, Minutes, Money, PhoneRegion, Policy,
    PolicySettings, Service, ServiceId, ServiceName, ServiceSpec, StaffChoice, StaffId,
    StaffMember, StaffName, StaffSpec, TelegramUserId, WeeklyHours,
};
use booking_ports::engine::BookingForm;
use booking_ports::{
    BookingDetails, CatalogSnapshot, Engine, EngineSettings, ManualClock, MemoryStore,
};
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc, Weekday};
use futures::future::BoxFuture;
use teloxide::error_handlers::ErrorHandler;
use teloxide::types::{InlineKeyboardButtonKind, Message, ReplyMarkup, UserId};
use teloxide_tests::mock_bot::DistributionKey;
use teloxide_tests::{
    MockCallbackQuery, MockMessageContact, MockMessageText, MockPrivateChat, MockUser, Responses,
};

pub const HAIRCUT: i64 = 1;
pub const MENS_HAIRCUT: i64 = 2;
pub const COLOURING: i64 = 3;
pub const ANNA: i64 = 1;
pub const MARIA: i64 = 2;

/// Monday 3 June 2030, 10:00 in Moscow.
pub fn monday_morning() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 6, 3, 7, 0, 0).unwrap()
}

pub fn tz() -> chrono_tz::Tz {
    "Europe/Moscow".parse().unwrap()
}

/// A local time in Moscow.
pub fn local(day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    tz().with_ymd_and_hms(2030, 6, day, hour, minute, 0)
        .unwrap()
        .with_timezone(&Utc)
}

fn hours(periods: &[(Weekday, &str)]) -> WeeklyHours {
    WeeklyHours::new(
        periods
            .iter()
            .map(|(d, p)| (*d, LocalTimeRange::parse(p).unwrap())),
    )
    .unwrap()
}

pub fn catalog() -> CatalogSnapshot {
    use Weekday::*;
    let rub = Currency::new("RUB").unwrap();
    let staff = |id: i64, name: &str, periods: &[(Weekday, &str)]| {
        StaffMember::new(
            StaffId::new(id).unwrap(),
            StaffSpec {
                name: StaffName::new(name).unwrap(),
                hours: hours(periods),
                active: true,
            },
        )
        .unwrap()
    };
    let weekdays = [Mon, Tue, Wed, Thu, Fri];
    let anna_hours: Vec<(Weekday, &str)> = weekdays
        .iter()
        .flat_map(|d| [(*d, "10:00-14:00"), (*d, "15:00-19:00")])
        .collect();
    let maria_hours: Vec<(Weekday, &str)> = [Wed, Thu, Fri, Sat, Sun]
        .iter()
        .flat_map(|d| [(*d, "12:00-16:00"), (*d, "16:30-20:00")])
        .collect();
    let service = |id: i64, name: &str, minutes: i64, price: i64, performers: &[i64]| {
        Service::new(
            ServiceId::new(id).unwrap(),
            ServiceSpec {
                name: ServiceName::new(name).unwrap(),
                duration: Minutes::new(minutes).unwrap(),
                price: Money::new(price * 100, rub).unwrap(),
                buffer_before: Minutes::ZERO,
                buffer_after: Minutes::ZERO,
                active: true,
                performers: performers
                    .iter()
                    .map(|p| StaffId::new(*p).unwrap())
                    .collect(),
            },
        )
        .unwrap()
    };
    CatalogSnapshot {
        staff: vec![
            staff(ANNA, "Anna", &anna_hours),
            staff(MARIA, "Maria", &maria_hours),
        ],
        services: vec![
            service(HAIRCUT, "Women's haircut", 60, 2500, &[ANNA, MARIA]),
            service(MENS_HAIRCUT, "Men's haircut", 30, 1500, &[ANNA]),
            service(COLOURING, "Colouring", 120, 5200, &[MARIA]),
        ],
        date_overrides: Vec::new(),
        time_off: Vec::new(),
    }
}

pub fn policy() -> Policy {
    Policy::new(PolicySettings {
        time_zone: tz(),
        slot_step: Minutes::new(30).unwrap(),
        min_notice: Minutes::new(60).unwrap(),
        horizon_days: 14,
        cancellation_cutoff: Minutes::new(180).unwrap(),
        reschedule_cutoff: Minutes::new(180).unwrap(),
        max_active_bookings_per_customer: 3,
        requires_confirmation: false,
        phone_region: PhoneRegion::new("RU").unwrap(),
    })
    .unwrap()
}

pub fn business() -> BusinessInfo {
    BusinessInfo {
        name: "Studio Lotos".to_owned(),
        address: Some("Tverskaya St 12, Moscow".to_owned()),
        phone: Some("+7 495 123-45-67".to_owned()),
        email: None,
        website: Some("https://studio-lotos.example".to_owned()),
    }
}

/// Fails the test on any handler error: teloxide_tests only logs them, and
/// an endpoint the mock server lacks would otherwise pass silently.
pub struct FailOnError;

impl ErrorHandler<HandlerError> for FailOnError {
    fn handle_error(self: Arc<Self>, error: HandlerError) -> BoxFuture<'static, ()> {
        let text = crate::error::chain(&error);
        Box::pin(async move { panic!("a handler failed: {text}") })
    }
}

/// A Telegram user talking to the bot in their private chat.
#[derive(Debug, Clone)]
pub struct Customer {
    pub id: u64,
    pub first_name: String,
    pub last_name: Option<String>,
    pub language: Option<String>,
}

impl Customer {
    pub fn new(id: u64, first_name: &str) -> Self {
        Self {
            id,
            first_name: first_name.to_owned(),
            last_name: None,
            language: None,
        }
    }

    pub fn surname(mut self, last: &str) -> Self {
        self.last_name = Some(last.to_owned());
        self
    }

    pub fn speaking(mut self, language: &str) -> Self {
        self.language = Some(language.to_owned());
        self
    }

    /// Their Telegram account. Their customer record's id is the store's:
    /// see [`Harness::customer_of`].
    pub fn account(&self) -> TelegramUserId {
        TelegramUserId::new(self.id as i64).unwrap()
    }

    fn user(&self) -> teloxide::types::User {
        let mut user = MockUser::new()
            .id(self.id)
            .first_name(self.first_name.clone())
            .build();
        user.last_name = self.last_name.clone();
        user.language_code = self.language.clone();
        user
    }

    fn chat(&self) -> teloxide::types::Chat {
        MockPrivateChat::new().id(self.id as i64).build()
    }
}

pub struct Harness {
    pub bot: teloxide_tests::MockBot<HandlerError, DistributionKey>,
    pub store: MemoryStore,
    pub clock: ManualClock,
    pub engine: Arc<Engine>,
    pub client: ClientBot,
}

impl Harness {
    /// The salon with its catalog, English by default.
    pub async fn new() -> Self {
        Self::with_language(Language::English).await
    }

    pub async fn with_language(default: Language) -> Self {
        // The mock bot takes the process-wide lock: create it before
        // anything else.
        let mut bot =
            teloxide_tests::MockBot::new(MockMessageText::new().text("/start"), handler_tree());
        let store = MemoryStore::default();
        let clock = ManualClock::new(monday_morning());
        let engine = Arc::new(Engine::on_store(
            store.clone(),
            clock.clone(),
            policy(),
            EngineSettings::default(),
        ));
        assert!(engine.import_catalog_if_empty(catalog()).await.unwrap());
        let client = ClientBot::new(
            engine.clone(),
            Arc::new(Locales::load(default).unwrap()),
            business(),
            Arc::new(store.clone()),
            Arc::new(clock.clone()),
            Duration::minutes(30),
        )
        .unwrap();
        bot.dependencies(client.dependencies());
        bot.error_handler(Arc::new(FailOnError));
        Self {
            bot,
            store,
            clock,
            engine,
            client,
        }
    }

    async fn dispatch(&mut self) -> Responses {
        self.bot.dispatch().await;
        self.bot.get_responses()
    }

    /// The last update dispatched once more, with the same update id: what
    /// an instance that takes over a chat does with an update whose first
    /// handling did not finish.
    pub async fn redeliver(&mut self) -> Responses {
        self.dispatch().await
    }

    /// `who` types `text`.
    pub async fn send(&mut self, who: &Customer, text: &str) -> Responses {
        self.bot.update(
            MockMessageText::new()
                .text(text)
                .from(who.user())
                .chat(who.chat()),
        );
        self.dispatch().await
    }

    /// `who` shares the contact `phone` of the user `owner` (their own when
    /// `owner` is their id).
    pub async fn share_contact(
        &mut self,
        who: &Customer,
        phone: &str,
        owner: Option<u64>,
    ) -> Responses {
        let mut contact = MockMessageContact::new()
            .phone_number(phone)
            .first_name(who.first_name.clone())
            .from(who.user())
            .chat(who.chat());
        contact.user_id = owner.map(UserId);
        self.bot.update(contact);
        self.dispatch().await
    }

    /// `who` presses the button labelled `label` on `message`.
    pub async fn press(&mut self, who: &Customer, message: &Message, label: &str) -> Responses {
        let data = button_data(message, label);
        self.press_data(who, message, &data).await
    }

    /// `who` presses a button carrying `data` on `message`, as a modified
    /// client could.
    pub async fn press_data(&mut self, who: &Customer, message: &Message, data: &str) -> Responses {
        self.bot.update(
            MockCallbackQuery::new()
                .data(data)
                .from(who.user())
                .message(message.clone()),
        );
        self.dispatch().await
    }

    /// Several customers press buttons at the same moment: one dispatch,
    /// so the dispatcher runs their chats concurrently.
    pub async fn press_together(&mut self, presses: &[(&Customer, &Message, &str)]) -> Responses {
        let queries: Vec<MockCallbackQuery> = presses
            .iter()
            .map(|(who, message, label)| {
                MockCallbackQuery::new()
                    .data(button_data(message, label))
                    .from(who.user())
                    .message((*message).clone())
            })
            .collect();
        self.bot.update(queries);
        self.dispatch().await
    }

    /// Books directly through the engine, as another channel would.
    pub async fn book_directly(
        &self,
        who: &Customer,
        service: i64,
        staff: i64,
        start: DateTime<Utc>,
    ) -> BookingDetails {
        self.engine
            .book_as(
                who.account(),
                BookingForm {
                    service: ServiceId::new(service).unwrap(),
                    staff: StaffChoice::Only(StaffId::new(staff).unwrap()),
                    start,
                    name: who.first_name.clone(),
                    phone: "+79161234567".to_owned(),
                    comment: None,
                    language: None,
                },
            )
            .await
            .unwrap()
    }

    /// The customer record `who`'s account acts as, once they booked.
    pub async fn customer_of(&self, who: &Customer) -> Option<CustomerId> {
        self.engine
            .customer_of_account(who.account())
            .await
            .unwrap()
    }

    pub async fn bookings_of(&self, who: &Customer) -> Vec<BookingDetails> {
        match self.customer_of(who).await {
            Some(customer) => self.engine.my_bookings(customer).await.unwrap(),
            None => Vec::new(),
        }
    }

    pub async fn booking(&self, id: BookingId) -> booking_domain::Booking {
        use booking_ports::BookingStore;
        self.store.booking(id).await.unwrap().unwrap()
    }
}

/// What the customer sees after a dispatch: the last message sent, or else
/// the last message edited.
pub fn screen(responses: &Responses) -> Message {
    responses
        .sent_messages_text
        .last()
        .map(|m| m.message.clone())
        .or_else(|| {
            responses
                .edited_messages_text
                .last()
                .map(|m| m.message.clone())
        })
        .expect("the bot showed nothing")
}

pub fn text(message: &Message) -> String {
    message.text().unwrap_or_default().to_owned()
}

/// Every button label of `message`'s inline keyboard.
pub fn labels(message: &Message) -> Vec<String> {
    message
        .reply_markup()
        .map(|k| {
            k.inline_keyboard
                .iter()
                .flatten()
                .map(|b| b.text.clone())
                .collect()
        })
        .unwrap_or_default()
}

/// The callback data of the button labelled `label` (or starting with it).
pub fn button_data(message: &Message, label: &str) -> String {
    let keyboard = message
        .reply_markup()
        .unwrap_or_else(|| panic!("no keyboard on {:?}", message.text()));
    let button = keyboard
        .inline_keyboard
        .iter()
        .flatten()
        .find(|b| b.text == label)
        .or_else(|| {
            keyboard
                .inline_keyboard
                .iter()
                .flatten()
                .find(|b| b.text.starts_with(label))
        })
        .unwrap_or_else(|| panic!("no button {label:?} among {:?}", labels(message)));
    match &button.kind {
        InlineKeyboardButtonKind::CallbackData(data) => data.clone(),
        other => panic!("button {label:?} is not a callback button: {other:?}"),
    }
}

/// The notice a callback was answered with (the last answer).
pub fn answer(responses: &Responses) -> Option<String> {
    let answers = &responses.answered_callback_queries;
    assert!(!answers.is_empty(), "the button press was not answered");
    answers.last().and_then(|a| a.text.clone())
}

/// Whether the last sent message carries a reply keyboard with a
/// "share contact" button.
pub fn asks_for_contact(responses: &Responses) -> bool {
    responses.sent_messages_text.iter().any(|m| {
        matches!(
            &m.bot_request.reply_markup,
            Some(ReplyMarkup::Keyboard(k)) if k.keyboard.iter().flatten().any(|b| matches!(b.request, Some(teloxide::types::ButtonRequest::Contact)))
        )
    })
}

pub fn nothing_shown(responses: &Responses) -> bool {
    responses.sent_messages.is_empty() && responses.edited_messages_text.is_empty()
}

/// A local date in June 2030.
pub fn june(day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2030, 6, day).unwrap()
}
