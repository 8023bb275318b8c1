//! The admin bot's test harness, shared by the admin test binaries: a salon
//! catalog and policy, a `MockBot` around the real admin handler tree over the
//! in-memory store and a manual clock, and helpers to read what the bot
//! showed. Each binary uses a different subset, hence `dead_code` allowed.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use adapter_telegram::admin::{AdminBot, AdminBotConfig, handler_tree};
use adapter_telegram::{HandlerError, Language, Locales};
use booking_domain::{
    BookingStatus, Currency, CustomerId, LocalTimeRange, Minutes, Money, PhoneRegion, Policy,
    PolicySettings, Service, ServiceId, ServiceName, ServiceSpec, StaffChoice, StaffId,
    StaffMember, StaffName, StaffSpec, WeeklyHours,
};
use booking_ports::engine::BookingForm;
use booking_ports::{
    BookingDetails, BookingStore, CatalogSnapshot, Engine, EngineSettings, ManualClock, MemoryStore,
};
use chrono::{DateTime, Duration, Utc, Weekday};
use futures::future::BoxFuture;
use teloxide::error_handlers::ErrorHandler;
use teloxide::types::{InlineKeyboardButtonKind, Message};
use teloxide_tests::mock_bot::DistributionKey;
use teloxide_tests::{MockCallbackQuery, MockMessageText, MockPrivateChat, MockUser, Responses};

pub const OWNER: u64 = 500;
pub const STRANGER: u64 = 666;
pub const ANNA: i64 = 1;
pub const HAIRCUT: i64 = 1;

/// Moscow, and a local time in June 2030 there: the client bot's harness's.
pub use adapter_telegram::test_support::{local, tz};

pub fn policy(requires_confirmation: bool) -> Policy {
    Policy::new(PolicySettings {
        time_zone: tz(),
        slot_step: Minutes::new(30).unwrap(),
        min_notice: Minutes::new(60).unwrap(),
        horizon_days: 14,
        cancellation_cutoff: Minutes::new(180).unwrap(),
        reschedule_cutoff: Minutes::new(180).unwrap(),
        max_active_bookings_per_customer: 5,
        requires_confirmation,
        phone_region: PhoneRegion::new("RU").unwrap(),
    })
    .unwrap()
}

pub fn catalog() -> CatalogSnapshot {
    use Weekday::*;
    let hours = WeeklyHours::new(
        [Mon, Tue, Wed, Thu, Fri]
            .into_iter()
            .map(|d| (d, LocalTimeRange::parse("10:00-19:00").unwrap())),
    )
    .unwrap();
    let anna = StaffMember::new(
        StaffId::new(ANNA).unwrap(),
        StaffSpec {
            name: StaffName::new("Anna").unwrap(),
            hours,
            active: true,
        },
    )
    .unwrap();
    let haircut = Service::new(
        ServiceId::new(HAIRCUT).unwrap(),
        ServiceSpec {
            name: ServiceName::new("Haircut").unwrap(),
            duration: Minutes::new(60).unwrap(),
            price: Money::new(250_000, Currency::new("RUB").unwrap()).unwrap(),
            buffer_before: Minutes::ZERO,
            buffer_after: Minutes::ZERO,
            active: true,
            performers: vec![StaffId::new(ANNA).unwrap()],
        },
    )
    .unwrap();
    CatalogSnapshot {
        staff: vec![anna],
        services: vec![haircut],
        date_overrides: Vec::new(),
        time_off: Vec::new(),
    }
}

pub struct FailOnError;

impl ErrorHandler<HandlerError> for FailOnError {
    fn handle_error(self: Arc<Self>, error: HandlerError) -> BoxFuture<'static, ()> {
        let text = adapter_telegram::error::chain(&error);
        Box::pin(async move { panic!("a handler failed: {text}") })
    }
}

pub struct Harness {
    pub bot: teloxide_tests::MockBot<HandlerError, DistributionKey>,
    pub store: MemoryStore,
    pub clock: ManualClock,
    pub engine: Arc<Engine>,
    pub config: AdminBotConfig,
    /// The admin bot the mock dispatches to (set by [`Harness::restart`]).
    pub admin: Option<AdminBot>,
}

impl Harness {
    pub async fn new(config: AdminBotConfig) -> Self {
        let bot =
            teloxide_tests::MockBot::new(MockMessageText::new().text("/whoami"), handler_tree());
        let store = MemoryStore::default();
        // Monday 3 June 2030, 10:00 in Moscow.
        let clock = ManualClock::new(local(3, 10, 0));
        let engine = Arc::new(Engine::on_store(
            store.clone(),
            clock.clone(),
            policy(false),
            EngineSettings::default(),
        ));
        assert!(engine.import_catalog_if_empty(catalog()).await.unwrap());
        let mut h = Self {
            bot,
            store,
            clock,
            engine,
            config,
            admin: None,
        };
        h.restart();
        h.bot.error_handler(Arc::new(FailOnError));
        h
    }

    /// A fresh admin bot over the same store and clock, as after a restart.
    pub fn restart(&mut self) {
        let admin = AdminBot::new(
            self.engine.clone(),
            Arc::new(Locales::load(Language::English).unwrap()),
            self.config.clone(),
            Arc::new(self.store.clone()),
            Arc::new(self.store.clone()),
            Arc::new(self.clock.clone()),
            Duration::minutes(30),
        )
        .unwrap();
        self.bot.dependencies(admin.dependencies());
        self.admin = Some(admin);
    }

    /// The running admin bot's access gate, whose settings a config reload
    /// replaces.
    pub fn access(&self) -> &adapter_telegram::admin::Access {
        &self.admin.as_ref().expect("started in new()").access
    }

    pub async fn send(&mut self, from: u64, text: &str) -> Responses {
        let chat = MockPrivateChat::new().id(from as i64).build();
        self.send_in(from, chat, text).await
    }

    pub async fn send_in(
        &mut self,
        from: u64,
        chat: teloxide::types::Chat,
        text: &str,
    ) -> Responses {
        let user = MockUser::new().id(from).first_name("Someone").build();
        self.bot
            .update(MockMessageText::new().text(text).from(user).chat(chat));
        self.bot.dispatch().await;
        self.bot.get_responses()
    }

    /// The last update dispatched once more, with the same update id: what
    /// an instance that takes over a chat does with an update whose first
    /// handling did not finish.
    pub async fn redeliver(&mut self) -> Responses {
        self.bot.dispatch().await;
        self.bot.get_responses()
    }

    pub async fn press(&mut self, from: u64, message: &Message, label: &str) -> Responses {
        let data = button_data(message, label);
        self.press_data(from, message, &data).await
    }

    pub async fn press_data(&mut self, from: u64, message: &Message, data: &str) -> Responses {
        let user = MockUser::new().id(from).first_name("Someone").build();
        self.bot.update(
            MockCallbackQuery::new()
                .data(data)
                .from(user)
                .message(message.clone()),
        );
        self.bot.dispatch().await;
        self.bot.get_responses()
    }

    pub async fn book(&self, customer: i64, name: &str, start: DateTime<Utc>) -> BookingDetails {
        self.engine
            .book(
                CustomerId::new(customer).unwrap(),
                BookingForm {
                    service: ServiceId::new(HAIRCUT).unwrap(),
                    staff: StaffChoice::Only(StaffId::new(ANNA).unwrap()),
                    start,
                    name: name.to_owned(),
                    phone: "+79161234567".to_owned(),
                    comment: Some("Short, please".to_owned()),
                    language: None,
                },
            )
            .await
            .unwrap()
    }

    pub async fn status(&self, details: &BookingDetails) -> BookingStatus {
        self.store
            .booking(details.booking.id())
            .await
            .unwrap()
            .unwrap()
            .status()
            .clone()
    }
}

pub fn allow_list() -> AdminBotConfig {
    AdminBotConfig::new([OWNER as i64], None).unwrap()
}

pub use adapter_telegram::test_support::screen;

pub fn text(responses: &Responses) -> String {
    screen(responses).text().unwrap_or_default().to_owned()
}

pub fn nothing_shown(responses: &Responses) -> bool {
    responses.sent_messages.is_empty() && responses.edited_messages_text.is_empty()
}

pub fn button_data(message: &Message, label: &str) -> String {
    let keyboard = message
        .reply_markup()
        .unwrap_or_else(|| panic!("no keyboard on {:?}", message.text()));
    let button = keyboard
        .inline_keyboard
        .iter()
        .flatten()
        .find(|b| b.text.starts_with(label))
        .unwrap_or_else(|| panic!("no button {label:?} on {:?}", message.text()));
    match &button.kind {
        InlineKeyboardButtonKind::CallbackData(data) => data.clone(),
        other => panic!("not a callback button: {other:?}"),
    }
}
