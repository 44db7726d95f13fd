//! Pulse surveys: a few Likert (1-5) and free-text questions, answered once per private
//! link.

use serde::Deserialize;
use uuid::Uuid;

use super::text::{clean_optional, clean_required, optional_id};
use crate::error::FieldErrors;

choice!(
    /// Where a survey is: drafts can change, open ones take answers, closed ones do not.
    SurveyStatus {
        Draft = "draft": "Draft",
        Open = "open": "Open",
        Closed = "closed": "Closed",
    }
);

choice!(
    /// How a question is answered.
    QuestionKind {
        Likert = "likert": "Scale 1-5 (disagree to agree)",
        Text = "text": "Free text",
    }
);

/// The most questions a pulse survey may have: it should take a minute.
pub const MAX_QUESTIONS: usize = 12;

/// The words of the 1-5 scale.
pub const LIKERT: [&str; 5] = [
    "Strongly disagree",
    "Disagree",
    "Neither",
    "Agree",
    "Strongly agree",
];

#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct QuestionDraft {
    /// likert or text.
    pub kind: Option<String>,
    #[serde(default)]
    pub prompt: String,
    /// Defaults to true.
    pub required: Option<bool>,
}

/// A survey as typed.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct SurveyDraft {
    #[serde(default)]
    pub title: String,
    /// Shown above the questions.
    pub intro: Option<String>,
    pub campaign_id: Option<String>,
    #[serde(default)]
    pub questions: Vec<QuestionDraft>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct QuestionInput {
    pub kind: QuestionKind,
    pub prompt: String,
    pub required: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SurveyInput {
    pub title: String,
    pub intro: Option<String>,
    pub campaign_id: Option<Uuid>,
    pub questions: Vec<QuestionInput>,
}

impl SurveyDraft {
    /// Questions with a blank prompt are left out (the form has more rows than most
    /// surveys need).
    pub fn validate(&self) -> Result<SurveyInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        let title = clean_required(&self.title, 200, "a title")
            .map_err(|e| errors.insert("title", e))
            .ok();
        let intro = clean_optional(self.intro.as_deref(), 2000)
            .map_err(|e| errors.insert("intro", e))
            .ok()
            .flatten();
        let campaign_id = optional_id(self.campaign_id.as_deref(), "a campaign")
            .map_err(|e| errors.insert("campaign_id", e))
            .ok()
            .flatten();
        let mut questions = Vec::new();
        for (i, q) in self.questions.iter().enumerate() {
            if q.prompt.trim().is_empty() {
                continue;
            }
            let n = i + 1;
            let Some(kind) = q.kind.as_deref().and_then(QuestionKind::parse) else {
                errors.insert(
                    "questions",
                    format!("Question {n}: choose scale or free text."),
                );
                continue;
            };
            match clean_required(&q.prompt, 500, "the question") {
                Ok(prompt) => questions.push(QuestionInput {
                    kind,
                    prompt,
                    required: q.required.unwrap_or(true),
                }),
                Err(e) => {
                    errors.insert("questions", format!("Question {n}: {e}"));
                }
            }
        }
        if questions.is_empty() && !errors.contains_key("questions") {
            errors.insert("questions", "Ask at least one question.".into());
        }
        if questions.len() > MAX_QUESTIONS {
            errors.insert(
                "questions",
                format!(
                    "Ask at most {MAX_QUESTIONS} questions: a pulse survey should take a minute."
                ),
            );
        }
        match title {
            Some(title) if errors.is_empty() => Ok(SurveyInput {
                title,
                intro,
                campaign_id,
                questions,
            }),
            _ => Err(errors),
        }
    }
}

/// One answer as sent by the public form: the question's id and the raw value.
#[derive(Clone, Debug)]
pub struct RawAnswer {
    pub question_id: Uuid,
    pub value: String,
}

/// What is wrong with a response: (question id, message) each.
pub type AnswerErrors = Vec<(Uuid, String)>;

/// A checked answer.
#[derive(Clone, Debug, PartialEq)]
pub enum Answer {
    Likert(i16),
    Text(String),
}

/// Checks a respondent's answers against the questions (id, kind, required): every
/// required question answered, scales 1-5, text at most 5,000 characters. Errors are keyed
/// by question id.
pub fn check_answers(
    questions: &[(Uuid, QuestionKind, bool)],
    raw: &[RawAnswer],
) -> Result<Vec<(Uuid, Answer)>, AnswerErrors> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (id, kind, required) in questions {
        let value = raw
            .iter()
            .find(|a| a.question_id == *id)
            .map(|a| a.value.trim())
            .filter(|v| !v.is_empty());
        match (value, kind) {
            (None, _) if *required => {
                errors.push((*id, "Please answer this question.".to_string()))
            }
            (None, _) => {}
            (Some(v), QuestionKind::Likert) => match v.parse::<i16>() {
                Ok(n @ 1..=5) => out.push((*id, Answer::Likert(n))),
                _ => errors.push((*id, "Choose a point from 1 to 5.".to_string())),
            },
            (Some(v), QuestionKind::Text) => match clean_required(v, 5000, "an answer") {
                Ok(t) => out.push((*id, Answer::Text(t))),
                Err(e) => errors.push((*id, e)),
            },
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// How a response counts as a touch-point: the mean of its scale answers, 4 and up
/// positive, 2 and below negative, else neutral (and neutral without scale answers).
pub fn response_outcome(answers: &[(Uuid, Answer)]) -> &'static str {
    let scale: Vec<f64> = answers
        .iter()
        .filter_map(|(_, a)| match a {
            Answer::Likert(n) => Some(f64::from(*n)),
            Answer::Text(_) => None,
        })
        .collect();
    if scale.is_empty() {
        return "neutral";
    }
    let mean = scale.iter().sum::<f64>() / scale.len() as f64;
    if mean >= 4.0 {
        "positive"
    } else if mean <= 2.0 {
        "negative"
    } else {
        "neutral"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(kind: &str, prompt: &str) -> QuestionDraft {
        QuestionDraft {
            kind: Some(kind.into()),
            prompt: prompt.into(),
            required: None,
        }
    }

    #[test]
    fn blank_question_rows_are_skipped_and_one_question_is_needed() {
        let d = SurveyDraft {
            title: "OneCare pulse".into(),
            questions: vec![
                q("likert", "I understand OneCare."),
                q("text", "  "),
                q("text", "How do you feel about it?"),
            ],
            ..Default::default()
        };
        let s = d.validate().expect("valid");
        assert_eq!(s.questions.len(), 2);
        assert!(s.questions.iter().all(|q| q.required));
        let e = SurveyDraft {
            title: "x".into(),
            ..Default::default()
        }
        .validate()
        .expect_err("invalid");
        assert!(e["questions"].contains("at least one"));
    }

    #[test]
    fn a_question_without_a_kind_is_named_by_number() {
        let e = SurveyDraft {
            title: "x".into(),
            questions: vec![q("likert", "a"), q("stars", "b")],
            ..Default::default()
        }
        .validate()
        .expect_err("invalid");
        assert!(e["questions"].starts_with("Question 2"));
    }

    #[test]
    fn answers_are_checked_against_the_questions() {
        let (a, b, c) = (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3));
        let qs = [
            (a, QuestionKind::Likert, true),
            (b, QuestionKind::Text, false),
            (c, QuestionKind::Likert, true),
        ];
        let raw = |v: &[(Uuid, &str)]| {
            v.iter()
                .map(|(id, val)| RawAnswer {
                    question_id: *id,
                    value: val.to_string(),
                })
                .collect::<Vec<_>>()
        };
        let ok = check_answers(&qs, &raw(&[(a, "4"), (c, "5")])).expect("valid");
        assert_eq!(ok, vec![(a, Answer::Likert(4)), (c, Answer::Likert(5))]);
        assert_eq!(response_outcome(&ok), "positive");
        let e = check_answers(&qs, &raw(&[(a, "9"), (b, "fine")])).expect_err("invalid");
        assert_eq!(e.len(), 2, "{e:?}");
        assert!(e.iter().any(|(id, m)| *id == a && m.contains("1 to 5")));
        assert!(e.iter().any(|(id, m)| *id == c && m.contains("answer")));
    }

    #[test]
    fn responses_become_positive_neutral_or_negative_touches() {
        let id = Uuid::nil();
        assert_eq!(
            response_outcome(&[(id, Answer::Likert(2)), (id, Answer::Likert(1))]),
            "negative"
        );
        assert_eq!(response_outcome(&[(id, Answer::Likert(3))]), "neutral");
        assert_eq!(
            response_outcome(&[(id, Answer::Text("ok".into()))]),
            "neutral"
        );
    }
}
