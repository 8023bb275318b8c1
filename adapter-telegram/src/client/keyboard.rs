//! Inline keyboards: buttons carry encoded [`Callback`]s.

use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};

use super::callback::{Callback, FlowAction, FlowId, MenuItem};
use crate::i18n::Text;

pub(crate) type Row = Vec<InlineKeyboardButton>;

pub(crate) fn button(label: impl Into<String>, callback: Callback) -> InlineKeyboardButton {
    InlineKeyboardButton::callback(label.into(), callback.encode())
}

pub(crate) fn flow_button(
    label: impl Into<String>,
    flow: FlowId,
    action: FlowAction,
) -> InlineKeyboardButton {
    button(label, Callback::flow(flow, action))
}

/// `buttons` in rows of `per_row`.
pub(crate) fn grid(buttons: Vec<InlineKeyboardButton>, per_row: usize) -> Vec<Row> {
    buttons
        .chunks(per_row.max(1))
        .map(<[InlineKeyboardButton]>::to_vec)
        .collect()
}

/// Back and Cancel, on one row.
pub(crate) fn back_cancel(t: &Text<'_>, flow: FlowId) -> Row {
    vec![
        flow_button(t.get("btn-back"), flow, FlowAction::Back),
        flow_button(t.get("btn-cancel"), flow, FlowAction::Cancel),
    ]
}

/// Back alone.
pub(crate) fn back(t: &Text<'_>, flow: FlowId) -> Row {
    vec![flow_button(t.get("btn-back"), flow, FlowAction::Back)]
}

/// The main menu.
pub(crate) fn main_menu(t: &Text<'_>) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new(vec![
        vec![
            button(t.get("btn-book"), Callback::Menu(MenuItem::Book)),
            button(
                t.get("btn-my-bookings"),
                Callback::Menu(MenuItem::MyBookings),
            ),
        ],
        vec![button(t.get("btn-about"), Callback::Menu(MenuItem::About))],
    ])
}

/// A single "Menu" button, under final messages.
pub(crate) fn to_menu(t: &Text<'_>) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new(vec![vec![button(
        t.get("btn-menu"),
        Callback::Menu(MenuItem::Main),
    )]])
}
