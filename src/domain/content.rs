//! The content calendar: what goes out on which channel on which day, and whether it is
//! ready.

use chrono::NaiveDate;
use serde::Deserialize;
use uuid::Uuid;

use super::text::{clean_optional, clean_required, optional_date, optional_id};
use crate::error::FieldErrors;

choice!(
    /// Where a content item appears.
    ContentChannel {
        Email = "email": "Email",
        Social = "social": "Social",
        Print = "print": "Print",
        Web = "web": "Web",
        Event = "event": "Event",
        Mail = "mail": "Mail",
        Portal = "portal": "Portal",
    }
);

choice!(
    /// Where a content item is on its way out.
    ContentStatus {
        Planned = "planned": "Planned",
        Ready = "ready": "Ready",
        Published = "published": "Published",
    }
);

/// A content item as typed.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct ContentDraft {
    #[serde(default)]
    pub title: String,
    pub channel: Option<String>,
    /// YYYY-MM-DD.
    pub publish_on: Option<String>,
    pub campaign_id: Option<String>,
    pub message_id: Option<String>,
    /// The author when blank.
    pub owner_id: Option<String>,
    /// planned (default), ready or published.
    pub status: Option<String>,
    pub notes: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ContentInput {
    pub title: String,
    pub channel: ContentChannel,
    pub publish_on: NaiveDate,
    pub campaign_id: Option<Uuid>,
    pub message_id: Option<Uuid>,
    pub owner_id: Option<Uuid>,
    pub status: ContentStatus,
    pub notes: Option<String>,
}

impl ContentDraft {
    pub fn validate(&self) -> Result<ContentInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        let title = clean_required(&self.title, 200, "what goes out")
            .map_err(|e| errors.insert("title", e))
            .ok();
        let channel = self.channel.as_deref().and_then(ContentChannel::parse);
        if channel.is_none() {
            errors.insert("channel", "Choose a channel.".into());
        }
        let publish_on = match optional_date(self.publish_on.as_deref()) {
            Ok(Some(d)) => Some(d),
            Ok(None) => {
                errors.insert("publish_on", "Choose the day it goes out.".into());
                None
            }
            Err(e) => {
                errors.insert("publish_on", e);
                None
            }
        };
        let status = match self
            .status
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => Some(ContentStatus::Planned),
            Some(s) => ContentStatus::parse(s),
        };
        if status.is_none() {
            errors.insert("status", "Choose planned, ready or published.".into());
        }
        let mut id = |v: &Option<String>, field: &'static str, what: &str| {
            optional_id(v.as_deref(), what)
                .map_err(|e| errors.insert(field, e))
                .ok()
                .flatten()
        };
        let campaign_id = id(&self.campaign_id, "campaign_id", "a campaign");
        let message_id = id(&self.message_id, "message_id", "a message");
        let owner_id = id(&self.owner_id, "owner_id", "an owner");
        let notes = clean_optional(self.notes.as_deref(), 2000)
            .map_err(|e| errors.insert("notes", e))
            .ok()
            .flatten();
        if message_id.is_some() && campaign_id.is_none() {
            errors.insert(
                "message_id",
                "A key message belongs to a campaign: choose the campaign too.".into(),
            );
        }
        match (title, channel, publish_on, status) {
            (Some(title), Some(channel), Some(publish_on), Some(status)) if errors.is_empty() => {
                Ok(ContentInput {
                    title,
                    channel,
                    publish_on,
                    campaign_id,
                    message_id,
                    owner_id,
                    status,
                    notes,
                })
            }
            _ => Err(errors),
        }
    }
}

/// The weeks of a month as rows of seven days (Monday first), with the days of the
/// neighbouring months that fill the first and last week.
pub fn month_grid(first: NaiveDate) -> Vec<[NaiveDate; 7]> {
    use chrono::{Datelike, Days};
    let start = first
        .checked_sub_days(Days::new(u64::from(first.weekday().num_days_from_monday())))
        .unwrap_or(first);
    let mut weeks = Vec::new();
    let mut day = start;
    loop {
        let mut week = [day; 7];
        for (i, slot) in week.iter_mut().enumerate() {
            *slot = day.checked_add_days(Days::new(i as u64)).unwrap_or(day);
        }
        weeks.push(week);
        day = day.checked_add_days(Days::new(7)).unwrap_or(day);
        if day.month() != first.month() || weeks.len() >= 6 {
            break;
        }
    }
    weeks
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Datelike, Weekday};

    #[test]
    fn a_content_item_needs_a_title_a_channel_and_a_day() {
        let e = ContentDraft::default().validate().expect_err("invalid");
        assert!(
            e.contains_key("title") && e.contains_key("channel") && e.contains_key("publish_on")
        );
        let ok = ContentDraft {
            title: "OneCare launch post".into(),
            channel: Some("social".into()),
            publish_on: Some("2026-12-03".into()),
            ..Default::default()
        }
        .validate()
        .expect("valid");
        assert_eq!(ok.status, ContentStatus::Planned);
    }

    #[test]
    fn a_message_without_its_campaign_is_refused() {
        let e = ContentDraft {
            title: "x".into(),
            channel: Some("web".into()),
            publish_on: Some("2026-12-03".into()),
            message_id: Some(Uuid::nil().to_string()),
            ..Default::default()
        }
        .validate()
        .expect_err("invalid");
        assert!(e["message_id"].contains("campaign"));
    }

    #[test]
    fn the_month_grid_covers_the_month_in_whole_weeks() {
        let first = NaiveDate::from_ymd_opt(2026, 12, 1).expect("date");
        let weeks = month_grid(first);
        assert_eq!(weeks[0][0].weekday(), Weekday::Mon);
        assert!(weeks.iter().flatten().any(|d| *d == first));
        let last = NaiveDate::from_ymd_opt(2026, 12, 31).expect("date");
        assert!(weeks.iter().flatten().any(|d| *d == last));
        assert!(weeks.len() == 5 || weeks.len() == 6);
        // February 2027 starts on a Monday and fills exactly four weeks.
        assert_eq!(
            month_grid(NaiveDate::from_ymd_opt(2027, 2, 1).expect("date")).len(),
            4
        );
    }
}
