//! Inline keyboards of the client bot: every button carries an encoded
//! [`Callback`], so what a press asks for is typed from the start.

use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};

use crate::client::callback::{Callback, FlowAction, FlowId, MenuItem};
use crate::i18n::{Msg, Text};

/// One row of buttons.
pub type Row = Vec<InlineKeyboardButton>;

/// A button that sends `callback` when pressed.
pub fn button(label: impl Into<String>, callback: Callback) -> InlineKeyboardButton {
    InlineKeyboardButton::callback(label.into(), callback.encode())
}

/// A button for a step of the flow `flow`.
pub fn flow_button(
    label: impl Into<String>,
    flow: FlowId,
    action: FlowAction,
) -> InlineKeyboardButton {
    button(label, Callback::flow(flow, action))
}

/// `buttons` in rows of `per_row`.
pub fn grid(buttons: Vec<InlineKeyboardButton>, per_row: usize) -> Vec<Row> {
    buttons
        .chunks(per_row.max(1))
        .map(<[InlineKeyboardButton]>::to_vec)
        .collect()
}

/// Back and Cancel, on one row.
pub fn back_cancel(t: &Text<'_>, flow: FlowId) -> Row {
    vec![
        flow_button(t.get(Msg::BtnBack), flow, FlowAction::Back),
        flow_button(t.get(Msg::BtnCancel), flow, FlowAction::Cancel),
    ]
}

/// Back alone.
pub fn back(t: &Text<'_>, flow: FlowId) -> Row {
    vec![flow_button(t.get(Msg::BtnBack), flow, FlowAction::Back)]
}

/// One button alone on its row, then Back and Cancel: the shape of the
/// steps that ask one thing (skip the comment, confirm).
pub fn one_then_back_cancel(
    t: &Text<'_>,
    flow: FlowId,
    label: String,
    action: FlowAction,
) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new(vec![
        vec![flow_button(label, flow, action)],
        back_cancel(t, flow),
    ])
}

/// The main menu.
pub fn main_menu(t: &Text<'_>) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new(vec![
        vec![
            button(t.get(Msg::BtnBook), Callback::Menu(MenuItem::Book)),
            button(
                t.get(Msg::BtnMyBookings),
                Callback::Menu(MenuItem::MyBookings),
            ),
        ],
        vec![button(
            t.get(Msg::BtnAbout),
            Callback::Menu(MenuItem::About),
        )],
    ])
}

/// A single "Menu" button, under final messages.
pub fn to_menu(t: &Text<'_>) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new(vec![vec![button(
        t.get(Msg::BtnMenu),
        Callback::Menu(MenuItem::Main),
    )]])
}
