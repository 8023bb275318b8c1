//! Telegram's size limits and the pure functions that keep texts within
//! them.
//!
//! Telegram refuses a message whose text is longer than 4,096 characters
//! ("Bad Request: message is too long"), a callback answer longer than 200
//! and a button whose callback data is longer than 64 bytes. A refusal
//! after a change was committed would leave staff with "unexpected error"
//! for a change that did happen, so every text leaves through
//! [`crate::telegram`], which splits what is too long with [`split`].
//!
//! Telegram counts characters in UTF-16 code units (after entity parsing;
//! our texts are plain, no `parse_mode`): a Cyrillic letter is one unit,
//! most emoji two. Counting units, never bytes or `char`s, is what keeps a
//! text of emoji within the limit.

/// The longest message text, in UTF-16 code units.
pub const MAX_TEXT_UNITS: usize = 4096;

/// The longest text of a callback query's answer, in UTF-16 code units.
pub const MAX_ANSWER_UNITS: usize = 200;

/// The longest callback data of an inline button, in bytes.
pub const MAX_CALLBACK_BYTES: usize = 64;

/// The length of `text` as Telegram counts it.
pub fn units(text: &str) -> usize {
    text.chars().map(char::len_utf16).sum()
}

/// The longest prefix of `text` of at most `limit` units, as a byte index
/// on a character boundary (never inside a surrogate pair).
fn prefix_within(text: &str, limit: usize) -> usize {
    let mut used = 0;
    for (index, c) in text.char_indices() {
        used += c.len_utf16();
        if used > limit {
            return index;
        }
    }
    text.len()
}

/// Cuts `text` into pieces of at most `limit` units each, in order, whose
/// concatenation is `text`. A piece ends at a line break whenever one
/// fits, so lists split between their lines; a single line longer than
/// `limit` is cut after its last space that fits, else between two
/// characters. An empty `text` is one empty piece.
///
/// A `limit` below 2 cannot hold every character; each piece then holds
/// at least one character, whatever its length.
pub fn split(text: &str, limit: usize) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut rest = text;
    while units(rest) > limit {
        let window = &rest[..prefix_within(rest, limit)];
        let line_ends_after_window = rest[window.len()..].starts_with('\n');
        let cut = match window.rfind('\n') {
            Some(at) => at + 1,
            // The line fits exactly; its line break starts the next piece.
            None if line_ends_after_window => window.len(),
            None => window.rfind(' ').map_or(window.len(), |at| at + 1),
        };
        // A character wider than `limit`: take it whole rather than loop.
        let cut = if cut == 0 {
            rest.chars().next().map_or(rest.len(), char::len_utf8)
        } else {
            cut
        };
        let (piece, tail) = rest.split_at(cut);
        pieces.push(piece);
        rest = tail;
    }
    if !rest.is_empty() || pieces.is_empty() {
        pieces.push(rest);
    }
    pieces
}

/// `text` cut to at most `limit` units, ending in "…" when it was cut. For
/// texts that cannot be split, such as a callback query's answer.
pub fn truncate(text: &str, limit: usize) -> String {
    if units(text) <= limit {
        return text.to_owned();
    }
    let ellipsis = '…';
    let kept = prefix_within(text, limit.saturating_sub(ellipsis.len_utf16()));
    let mut cut = text[..kept].trim_end().to_owned();
    cut.push(ellipsis);
    cut
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use proptest::prelude::*;

    use super::*;

    #[test]
    fn units_count_as_telegram_does() {
        assert_eq!(units("abc"), 3);
        assert_eq!(units("Анна"), 4);
        assert_eq!(units("💇"), 2);
        assert_eq!(units(""), 0);
    }

    #[test]
    fn a_text_within_the_limit_is_one_piece() {
        assert_eq!(split("short\ntext", 100), ["short\ntext"]);
        assert_eq!(split("", 100), [""]);
    }

    #[test]
    fn a_list_splits_between_its_lines() {
        let text = "line one\nline two\nline three";
        assert_eq!(split(text, 18), ["line one\nline two\n", "line three"]);
    }

    #[test]
    fn a_line_too_long_splits_at_a_space_then_anywhere() {
        assert_eq!(split("aaaa bbbb", 6), ["aaaa ", "bbbb"]);
        assert_eq!(split("abcdefgh", 3), ["abc", "def", "gh"]);
    }

    #[test]
    fn an_emoji_is_never_cut_in_half() {
        assert_eq!(split("💇💇💇", 3), ["💇", "💇", "💇"]);
        assert_eq!(split("💇", 1), ["💇"]);
    }

    #[test]
    fn truncation_ends_in_an_ellipsis_within_the_limit() {
        assert_eq!(truncate("fits", 4), "fits");
        assert_eq!(truncate("too long text", 8), "too lon…");
        assert_eq!(truncate("💇💇💇", 4), "💇…");
        assert_eq!(units(&truncate(&"я".repeat(500), 200)), 200);
    }

    /// Text with line breaks, spaces, Cyrillic and emoji (two units each).
    fn text() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                Just("\n".to_owned()),
                Just(" ".to_owned()),
                Just("💇".to_owned()),
                "[a-zа-я]{1,12}",
            ],
            0..400,
        )
        .prop_map(|parts| parts.concat())
    }

    proptest! {
        #[test]
        fn pieces_fit_and_join_back_into_the_text(text in text(), limit in 2usize..120) {
            let pieces = split(&text, limit);
            prop_assert_eq!(pieces.concat(), text.clone());
            for piece in &pieces {
                prop_assert!(units(piece) <= limit, "{:?} over {}", piece, limit);
                prop_assert!(!piece.is_empty() || text.is_empty());
            }
        }

        #[test]
        fn pieces_end_at_a_line_break_unless_a_line_is_too_long(
            text in text(),
            limit in 2usize..120,
        ) {
            let pieces = split(&text, limit);
            let mut offset = 0;
            for piece in &pieces[..pieces.len() - 1] {
                offset += piece.len();
                if !piece.ends_with('\n') && !text[offset..].starts_with('\n') {
                    // Cut inside a line: that whole line does not fit.
                    let start = text[..offset].rfind('\n').map_or(0, |at| at + 1);
                    let end = text[offset..].find('\n').map_or(text.len(), |at| offset + at);
                    prop_assert!(units(&text[start..end]) > limit);
                }
            }
        }

        #[test]
        fn truncated_text_fits_and_keeps_its_beginning(text in text(), limit in 2usize..300) {
            let cut = truncate(&text, limit);
            prop_assert!(units(&cut) <= limit);
            let kept = cut.strip_suffix('…').unwrap_or(&cut);
            prop_assert!(text.starts_with(kept));
        }
    }
}
