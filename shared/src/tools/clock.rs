//! `current_time`: the date and time where the user is. The clock and the time zone are
//! inputs (the page reads them from the browser); this only formats.

const WEEKDAYS: [&str; 7] = ["Thursday", "Friday", "Saturday", "Sunday", "Monday", "Tuesday", "Wednesday"];
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// The user's clock: milliseconds since the epoch, their UTC offset and time zone name.
#[derive(Debug, Clone, PartialEq)]
pub struct Clock {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    pub epoch_ms: f64,
    /// Minutes east of UTC (the opposite of JavaScript's `getTimezoneOffset()`).
    pub utc_offset_minutes: i32,
    /// The IANA time zone, e.g. `Europe/Paris`.
    pub time_zone: String,
}

/// Civil date from days since the epoch (Howard Hinnant's algorithm).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// The current date and time as JSON the model can read.
pub(super) fn now(clock: &Clock) -> serde_json::Value {
    let local_ms = clock.epoch_ms as i64 + i64::from(clock.utc_offset_minutes) * 60_000;
    let days = local_ms.div_euclid(86_400_000);
    let ms_of_day = local_ms.rem_euclid(86_400_000);
    let (year, month, day) = civil(days);
    let (h, m, s) = (ms_of_day / 3_600_000, ms_of_day / 60_000 % 60, ms_of_day / 1000 % 60);
    let offset = clock.utc_offset_minutes;
    let sign = if offset < 0 { '-' } else { '+' };
    let iso = format!(
        "{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}{sign}{:02}:{:02}",
        offset.abs() / 60,
        offset.abs() % 60
    );
    serde_json::json!({
        "iso8601": iso,
        "date": format!("{} {day} {} {year}", WEEKDAYS[days.rem_euclid(7) as usize], MONTHS[month as usize - 1]),
        "time": format!("{h:02}:{m:02}"),
        "timeZone": clock.time_zone,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_in_the_users_zone() {
        // 2024-02-29T23:30:00Z, in Paris (UTC+1) already March.
        let clock =
            Clock { epoch_ms: 1_709_249_400_000.0, utc_offset_minutes: 60, time_zone: "Europe/Paris".into() };
        let now = now(&clock);
        assert_eq!(now["iso8601"], "2024-03-01T00:30:00+01:00");
        assert_eq!(now["date"], "Friday 1 March 2024");
        let ny = Clock { utc_offset_minutes: -300, time_zone: "America/New_York".into(), ..clock };
        assert_eq!(super::now(&ny)["iso8601"], "2024-02-29T18:30:00-05:00");
        assert_eq!(super::now(&ny)["date"], "Thursday 29 February 2024");
    }
}
