//! The booking policy from a bot: owners change settings with the file's
//! checks; a changed setting wins over the configuration file across a
//! reload and a restart until an owner resets it; the settings nobody
//! changed follow the file.

use booking_domain::{
    BookingStatus, InvalidPolicy, Minutes, Policy, PolicyChange, PolicyField, StaffChoice,
};
use booking_ports::engine::{ChangePolicyError, PolicyError};
use booking_ports::{Engine, EngineSettings, StaffActor, StaffRole, StaffUser};

use crate::common::{customer, form, moscow, policy, salon};

fn owner() -> StaffActor {
    StaffActor::authenticated(StaffUser::new(1), None, StaffRole::Owner)
}

/// The configuration file's policy after an edit: min notice 2 hours, a
/// 30-day horizon.
fn edited_file() -> Policy {
    let mut settings = policy(false).settings().clone();
    settings.min_notice = Minutes::new(120).unwrap();
    settings.horizon_days = 30;
    Policy::new(settings).unwrap()
}

#[tokio::test]
async fn a_setting_changed_from_the_bot_wins_over_the_file_across_a_reload_and_a_restart() {
    let s = salon(false).await;
    s.engine
        .change_policy(&owner(), PolicyChange::RequiresConfirmation(true))
        .await
        .unwrap();
    s.engine
        .change_policy(&owner(), PolicyField::MinNotice.parse("15").unwrap())
        .await
        .unwrap();
    let booked = s.book_haircut(customer(1), moscow(1, 11, 0)).await;
    assert_eq!(
        *booked.status(),
        BookingStatus::Pending,
        "confirmation is on"
    );

    // A reload: the file's edit of min notice loses to the bot's; its
    // horizon, which nobody changed from the bot, applies.
    s.engine.set_policy(edited_file());
    let policy = s.engine.policy();
    assert_eq!(policy.min_notice().get(), 15);
    assert_eq!(policy.horizon_days(), 30);
    assert!(policy.requires_confirmation());

    // A restart: a new engine over the same store starts from the file and
    // reads the overrides back.
    let restarted = Engine::on_store(
        s.store.clone(),
        s.clock.clone(),
        edited_file(),
        EngineSettings::default(),
    );
    assert_eq!(restarted.policy().min_notice().get(), 120);
    let loaded = restarted.load_policy_overrides().await.unwrap();
    assert_eq!(loaded.changes().len(), 2);
    assert_eq!(restarted.policy().min_notice().get(), 15);
    assert!(restarted.policy().requires_confirmation());

    // Reset: the file applies again, there and after the next restart.
    let view = restarted.reset_policy(&owner()).await.unwrap();
    assert!(view.overrides.is_empty());
    assert_eq!(restarted.policy().min_notice().get(), 120);
    assert!(!restarted.policy().requires_confirmation());
    let again = Engine::on_store(
        s.store.clone(),
        s.clock.clone(),
        edited_file(),
        EngineSettings::default(),
    );
    assert!(again.load_policy_overrides().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_value_the_file_would_refuse_is_refused_and_nothing_is_stored() {
    let s = salon(false).await;
    let far = PolicyField::HorizonDays.parse("400").unwrap();
    assert!(matches!(
        s.engine.change_policy(&owner(), far).await,
        Err(ChangePolicyError::Invalid(InvalidPolicy::Horizon(400)))
    ));
    assert!(PolicyField::MinNotice.parse("-1").is_err());
    assert_eq!(s.engine.policy().horizon_days(), 14);
    let view = s.engine.policy_view(&owner()).unwrap();
    assert!(view.overrides.is_empty());
}

#[tokio::test]
async fn only_owners_see_or_change_the_policy() {
    let s = salon(false).await;
    for role in [StaffRole::Manager, StaffRole::Staff] {
        let actor = StaffActor::authenticated(StaffUser::new(2), Some(s.anna), role);
        assert!(matches!(
            s.engine.policy_view(&actor),
            Err(PolicyError::Forbidden(_))
        ));
        assert!(matches!(
            s.engine
                .change_policy(&actor, PolicyChange::HorizonDays(7))
                .await,
            Err(ChangePolicyError::Forbidden(_))
        ));
        assert!(matches!(
            s.engine.reset_policy(&actor).await,
            Err(PolicyError::Forbidden(_))
        ));
    }
    assert_eq!(s.engine.policy().horizon_days(), 14);
    // The change applies to the very next booking: a horizon of one day.
    s.engine
        .change_policy(&owner(), PolicyChange::HorizonDays(1))
        .await
        .unwrap();
    let beyond = s
        .engine
        .book(
            customer(1),
            form(s.haircut, StaffChoice::Only(s.anna), moscow(3, 11, 0)),
        )
        .await;
    assert!(
        beyond.is_err(),
        "three days ahead is beyond a one-day horizon"
    );
}
