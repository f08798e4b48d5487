"""Forms for the training course record: the course, its learning hours, case studies and university supervision. Shape only; rules live in app.services.training."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from app.forms import WaymarkForm
from wtforms import DateField, DecimalField, IntegerField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from app.portfolio.cpd_forms import hours_text, strip
from app.services.training import (CASE_STUDY_RESULTS, COURSE_KINDS, HOUR_KINDS, MAX_NAME, MAX_TEXT, MAX_TITLE,
                                   STATUSES, CaseStudyInput, CourseInput, HoursInput, UniversitySupervisionInput)
from models.training import AssessedCaseStudy, TrainingCourse, TrainingHoursEntry, UniversitySupervision

YES_NO = [SelectChoice("yes", "Yes"), SelectChoice("no", "No")]


def _date(label: str, required: str | None = None, description: str = "") -> DateField:
    return DateField(label, validators=[InputRequired(required)] if required else [Optional()], description=description,
                     invalid_value_message=f"{label} must be a real date, like 2026-04-01")


def _text(label: str, limit: int, required: str | None = None, description: str = "") -> StringField:
    first = [InputRequired(required)] if required else [Optional()]
    return StringField(label, filters=[strip], description=description,
                       validators=[*first, Length(max=limit, message=f"{label} must be {limit:,} characters or fewer")])


def _whole(label: str, description: str = "", required: str | None = None) -> IntegerField:
    return IntegerField(label, description=description,
                        validators=[InputRequired(required)] if required else [Optional()],
                        invalid_value_message=f"{label} must be a whole number")


def _hours(description: str) -> DecimalField:
    return DecimalField("Hours", places=None, description=description,
                        validators=[InputRequired("Enter the hours, like 1.5")],
                        invalid_value_message="Enter the hours as a number, like 1.5 or 6.25")


class CourseForm(WaymarkForm):
    title = _text("Course name", MAX_TITLE, "Enter the name of the course", "For example, PG Diploma in CBT.")
    kind = RadioField("Kind of course", choices=[SelectChoice(k, v) for k, v in COURSE_KINDS.items()],
                      validators=[InputRequired("Choose the kind of course")],
                      invalid_choice_message="Choose the kind of course")
    provider = _text("University or provider", MAX_TITLE, description="Optional.")
    started_on = _date("Start date", "Enter the date the course started")
    ended_on = _date("End date", description="Leave it blank while the course is running.")
    status = RadioField("Status", choices=[SelectChoice(k, v) for k, v in STATUSES.items()], default="in_progress",
                        validators=[InputRequired("Choose the course's status")],
                        invalid_choice_message="Choose the course's status")
    ctsr_pass_mark = _whole("CTS-R pass mark", "Out of 72. Leave it blank to use the usual pass mark of the scale.")
    recordings_required = _whole("Passing CTS-R recordings required", "Leave it blank if the course does not say.")
    notes = TextAreaField("Notes", filters=[strip], description="Optional.", validators=[
        Optional(), Length(max=MAX_TEXT, message=f"Notes must be {MAX_TEXT:,} characters or fewer")])

    @staticmethod
    def data_of(course: TrainingCourse) -> dict[str, Any]:
        return {k: getattr(course, k) for k in ("title", "kind", "provider", "started_on", "ended_on", "status",
                                                "ctsr_pass_mark", "recordings_required", "notes")}

    def details(self) -> CourseInput:
        assert self.started_on.data is not None
        return CourseInput(title=self.title.data or "", kind=self.kind.data or "", provider=self.provider.data,
                           started_on=self.started_on.data, ended_on=self.ended_on.data,
                           status=self.status.data or "", ctsr_pass_mark=self.ctsr_pass_mark.data,
                           recordings_required=self.recordings_required.data, notes=self.notes.data)


class HoursForm(WaymarkForm):
    topic = _text("Topic", MAX_TITLE, "Enter the topic", "For example, Formulation in CBT for depression.")
    start_on = _date("Date", "Enter the date")
    end_on = _date("End date", description="Only for a block over several days.")
    hours = _hours("In quarter hours: 6.5 is six and a half hours.")
    kind = RadioField("Kind of learning", choices=[SelectChoice(k, v) for k, v in HOUR_KINDS.items()],
                      validators=[InputRequired("Choose the kind of learning")],
                      invalid_choice_message="Choose the kind of learning")
    skills_focused = RadioField("Was it focused on skills?", choices=YES_NO, default="no",
                                description="Skills practice, role-play or live demonstration, rather than theory.",
                                validators=[InputRequired("Say whether it was focused on skills")],
                                invalid_choice_message="Say whether it was focused on skills")

    @staticmethod
    def data_of(entry: TrainingHoursEntry) -> dict[str, Any]:
        return {"topic": entry.topic, "start_on": entry.start_on,
                "end_on": entry.end_on if entry.end_on != entry.start_on else None,
                "hours": Decimal(hours_text(entry.minutes)), "kind": entry.kind,
                "skills_focused": "yes" if entry.skills_focused else "no"}

    def details(self) -> HoursInput:
        assert self.start_on.data is not None and self.hours.data is not None
        return HoursInput(start_on=self.start_on.data, end_on=self.end_on.data, hours=self.hours.data,
                          kind=self.kind.data or "", topic=self.topic.data or "",
                          skills_focused=self.skills_focused.data == "yes")


class CaseStudyForm(WaymarkForm):
    title = _text("Title", MAX_TITLE, "Enter the title of the case study")
    case_ref = _text("Case reference", 40, description="Optional. The anonymised reference used in your cases log.")
    submitted_on = _date("Date submitted", "Enter the date submitted")
    word_count = _whole("Word count", "BABCP asks for 2,000 to 4,000 words.")
    mark = _text("Mark", 40, description="As the course gives it, such as 68 or Merit. Optional.")
    result = RadioField("Result", choices=[SelectChoice(k, v) for k, v in CASE_STUDY_RESULTS.items()],
                        default="awaiting", validators=[InputRequired("Say whether it passed")],
                        invalid_choice_message="Say whether it passed")

    @staticmethod
    def data_of(entry: AssessedCaseStudy) -> dict[str, Any]:
        result = "awaiting" if entry.passed is None else "passed" if entry.passed else "not_passed"
        return {"title": entry.title, "case_ref": entry.case_ref, "submitted_on": entry.submitted_on,
                "word_count": entry.word_count, "mark": entry.mark, "result": result}

    def details(self) -> CaseStudyInput:
        assert self.submitted_on.data is not None
        return CaseStudyInput(title=self.title.data or "", case_ref=self.case_ref.data,
                              submitted_on=self.submitted_on.data, word_count=self.word_count.data,
                              mark=self.mark.data, result=self.result.data or "")


class UniversitySupervisionForm(WaymarkForm):
    occurred_on = _date("Date", "Enter the date")
    hours = _hours("In quarter hours: 1.5 is an hour and a half.")
    supervisor_name = _text("Supervisor", MAX_NAME, "Enter the supervisor's name")
    group_size = _whole("Supervisees present", "1 for individual supervision.", "Enter the number of supervisees")

    @staticmethod
    def data_of(entry: UniversitySupervision) -> dict[str, Any]:
        return {"occurred_on": entry.occurred_on, "hours": Decimal(hours_text(entry.minutes)),
                "supervisor_name": entry.supervisor_name, "group_size": entry.group_size}

    def details(self) -> UniversitySupervisionInput:
        assert self.occurred_on.data is not None and self.hours.data is not None
        return UniversitySupervisionInput(occurred_on=self.occurred_on.data, hours=self.hours.data,
                                          supervisor_name=self.supervisor_name.data or "",
                                          group_size=self.group_size.data if self.group_size.data is not None else 1)

