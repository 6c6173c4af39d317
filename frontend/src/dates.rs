//! Times as people read them, in their own time zone and language: when a message was
//! written, and the date groups of the conversation list (Today, Yesterday, Previous 7 days,
//! Previous 30 days, then month by month).

use js_sys::{Date, Object, Reflect};
use wasm_bindgen::JsValue;

use crate::i18n::t;

const DAY_MS: f64 = 86_400_000.0;

/// Which heading a conversation goes under, by how many calendar days ago it was updated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    /// Today (and, with a clock set wrong, the future).
    Today,
    /// The day before.
    Yesterday,
    /// Two to six days ago.
    Week,
    /// Seven to twenty-nine days ago.
    Month,
    /// Earlier: headed by its month.
    Earlier,
}

impl Group {
    /// The group of something `days` calendar days ago.
    pub fn of(days: i64) -> Self {
        match days {
            ..=0 => Self::Today,
            1 => Self::Yesterday,
            2..=6 => Self::Week,
            7..=29 => Self::Month,
            _ => Self::Earlier,
        }
    }
}

/// The heading of the group of a conversation updated at `ms` (milliseconds since the
/// epoch), seen at `now`.
pub fn group_heading(ms: f64, now: f64) -> String {
    match Group::of(local_day(now) - local_day(ms)) {
        Group::Today => t("today"),
        Group::Yesterday => t("yesterday"),
        Group::Week => t("previous_7_days"),
        Group::Month => t("previous_30_days"),
        Group::Earlier => format(ms, &[("month", "long"), ("year", "numeric")]),
    }
}

/// A message's time as shown beside it: the time alone today, with the day before that, and
/// with the year in another year.
pub fn message_time(ms: f64, now: f64) -> String {
    let time = [("hour", "2-digit"), ("minute", "2-digit")];
    if local_day(ms) == local_day(now) {
        return format(ms, &time);
    }
    let same_year = Date::new(&JsValue::from_f64(ms)).get_full_year()
        == Date::new(&JsValue::from_f64(now)).get_full_year();
    let mut options = vec![("day", "numeric"), ("month", "short")];
    if !same_year {
        options.push(("year", "numeric"));
    }
    options.extend(time);
    format(ms, &options)
}

/// The full date and time, for a tooltip.
pub fn full_time(ms: f64) -> String {
    format(ms, &[("dateStyle", "full"), ("timeStyle", "short")])
}

/// The machine-readable time (`<time datetime>`).
pub fn iso(ms: f64) -> String {
    Date::new(&JsValue::from_f64(ms)).to_iso_string().into()
}

/// The calendar day of `ms` in the reader's time zone, counted from the epoch.
fn local_day(ms: f64) -> i64 {
    let d = Date::new(&JsValue::from_f64(ms));
    let midnight_utc = Date::utc(f64::from(d.get_full_year()), f64::from(d.get_month()))
        + f64::from(d.get_date() - 1) * DAY_MS;
    (midnight_utc / DAY_MS).floor() as i64
}

/// `ms` formatted by the browser (`Intl.DateTimeFormat`) in its own language.
fn format(ms: f64, options: &[(&str, &str)]) -> String {
    let object = Object::new();
    for (key, value) in options {
        let _ = Reflect::set(&object, &JsValue::from_str(key), &JsValue::from_str(value));
    }
    Date::new(&JsValue::from_f64(ms)).to_locale_string("default", &object).into()
}

#[cfg(test)]
mod tests {
    use super::Group;

    #[test]
    fn conversations_fall_into_the_groups_chat_pages_use() {
        let groups: Vec<Group> = [-1, 0, 1, 2, 6, 7, 29, 30, 400].into_iter().map(Group::of).collect();
        use Group::*;
        assert_eq!(groups, [Today, Today, Yesterday, Week, Week, Month, Month, Earlier, Earlier]);
    }
}
