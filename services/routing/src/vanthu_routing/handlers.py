"""Use cases of routing, talking to ports only: open a case, direct it, work its tasks,
keep the directory, send deadline notices.

Every change to a case is applied by the pure domain, mapped to contract events and written
with them in one document write (the outbox); a concurrent writer makes us read and re-apply.
Each change carries a decision id, so the same request or event applied twice has one effect.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from vanthu_contracts import DocumentReceived, DocumentVoided, Event, KafkaRecord, encode
from vanthu_contracts.events import routing as contract
from vanthu_contracts.events.values import Register, StaffInfo
from vanthu_runtime.auth import Principal, Role
from vanthu_runtime.visibility import (
    lists_agency_wide,
    may_see,
    may_see_through_tasks,
    task_scoped,
)

from vanthu_routing import outgoing_events
from vanthu_routing.domain import secrecy
from vanthu_routing.domain.calendar import WorkingCalendar
from vanthu_routing.domain.case import Applied, Case, Voiding, case_id_for
from vanthu_routing.domain.deadlines import (
    DeadlinePolicy,
    EscalationTarget,
    TaskEscalated,
    deadline_notices,
)
from vanthu_routing.domain.decision import Entry
from vanthu_routing.domain.delegation import Delegation
from vanthu_routing.domain.errors import InvalidInput, NotPermitted
from vanthu_routing.domain.files import FileReference
from vanthu_routing.domain.people import Actor, Person
from vanthu_routing.domain.routing_rules import DocumentFacts, RoutingRules
from vanthu_routing.domain.task import Assignee, TaskRole
from vanthu_routing.domain.urging import Urging, UrgingKind
from vanthu_routing.metrics import DOCUMENTS_SKIPPED
from vanthu_routing.ports import (
    CaseNotFound,
    CaseRepository,
    Clock,
    ConcurrentUpdate,
    Directory,
    DirectoryUnit,
    DirectoryUser,
    DocumentSummary,
    EvidenceStore,
    StoredCase,
)

log = structlog.get_logger(__name__)

SOURCE = "/vanthu/routing"
MAX_ATTEMPTS = 10
TOKEN_TRUSTED_ROLES = frozenset({"administrator", "service"})
"""Roles taken from the token alone: the identity provider's administrators create the directory
(someone has to add its first users) and service accounts are not people in it (ADR 0023)."""


FILE_LINK_TTL = timedelta(minutes=5)
"""How long a download link works: long enough to open the file, short enough not to be passed
around (issue 11, item 6)."""


@dataclass(frozen=True)
class FileLink:
    file: FileReference
    url: str
    expires_at: datetime


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass(frozen=True)
class Caller:
    """Who is acting, as the API authenticated them."""

    user_id: str
    agency_code: str
    full_name: str
    roles: frozenset[str]
    unit_id: str | None = None
    position: str | None = None

    @property
    def person(self) -> Person:
        return Person(self.user_id, self.full_name or self.user_id, self.position)

    @property
    def actor(self) -> Actor:
        heads = (
            frozenset({self.unit_id}) if self.unit_id and "unit_head" in self.roles else frozenset()
        )
        return Actor(self.person, heads)

    @property
    def as_contract_person(self) -> contract.Person:
        return outgoing_events.person(self.person)

    @property
    def principal(self) -> Principal:
        """The caller as the runtime's visibility rule reads them (ADR 0006)."""
        return Principal(
            user_id=self.user_id,
            agency_code=self.agency_code,
            roles=frozenset(Role(r) for r in self.roles),
            full_name=self.full_name,
            unit_id=self.unit_id,
        )

    def may_see(self, stored: StoredCase) -> bool:
        """Whether the caller may see the case's document: cleared for it (ADR 0006, first) and
        within what their role lists (ADR 0008)."""
        return self.cleared_for(stored) and self.has_in_scope(stored)

    def cleared_for(self, stored: StoredCase) -> bool:
        """Its agency's, and for a confidential one named on it or the clerk who registered it,
        whatever their role (ADR 0006)."""
        document = stored.document
        allowed: bool = may_see(
            self.principal,
            agency_code=stored.case.agency_code,
            confidentiality=document.confidentiality,
            readers=document.readers,
            registered_by=document.registered_by,
        )
        return allowed

    @property
    def lists_documents(self) -> bool:
        """False for a caller whose roles list no document at all (an administrator, ADR 0008)."""
        principal = self.principal
        return bool(lists_agency_wide(principal) or task_scoped(principal))

    @property
    def lists_agency_wide(self) -> bool:
        """Clerk, leader, secretary, auditor (and routing's own services): every case of the
        agency, confidentiality still first (ADR 0008)."""
        return bool(lists_agency_wide(self.principal))

    def reports_on(self, unit_id: str | None) -> bool:
        """Whether a report row of this unit's task is for the caller: every unit for the
        agency-wide roles, his own for a unit head (ADR 0008)."""
        return self.lists_agency_wide or (unit_id is not None and unit_id == self.unit_id)

    @property
    def task_scoped(self) -> bool:
        """A unit head or specialist, who lists only the documents of their tasks (ADR 0008)."""
        return bool(task_scoped(self.principal))

    def has_in_scope(self, stored: StoredCase) -> bool:
        """ADR 0008: the agency-wide roles every case; a unit head the cases his unit has (or
        had) a task on; a specialist those he holds a task on, or his unit for information."""
        principal = self.principal
        if lists_agency_wide(principal):
            return True
        if not task_scoped(principal):
            return False
        leader = stored.case.leader
        if leader is not None and leader.user_id == self.user_id:
            # A confidential document presented to its first named reader, who is no leader.
            return True
        tasks = stored.case.tasks
        seen: bool = may_see_through_tasks(
            principal,
            task_unit_ids={t.assignee.unit_id for t in tasks if t.assignee.unit_id},
            task_user_ids={t.assignee.user_id for t in tasks if t.assignee.user_id},
            information_unit_ids={
                t.assignee.unit_id
                for t in tasks
                if t.role is TaskRole.INFORMATION and t.assignee.unit_id
            },
        )
        return seen

    def require_lists_documents(self) -> None:
        """NotPermitted (403) for a caller who may list no document (ADR 0008)."""
        if not self.lists_documents:
            raise NotPermitted(
                "Administrators keep the directory and the system running, not the documents: "
                "no document is listed or shown to this role (ADR 0008).",
                "Quản trị viên quản lý danh bạ và vận hành hệ thống, không xem văn bản: vai trò "
                "này không được liệt kê hay xem văn bản.",
            )


def _record(event: Event, correlation_id: str | None, causation_id: str | None) -> KafkaRecord:
    return encode(event, source=SOURCE, correlation_id=correlation_id, causation_id=causation_id)


class RoutingHandlers:
    def __init__(
        self,
        *,
        cases: CaseRepository,
        directory: Directory,
        evidence: EvidenceStore,
        clock: Clock | None = None,
        calendar: WorkingCalendar | None = None,
        policy: DeadlinePolicy | None = None,
        serves: Callable[[str], bool] = lambda agency_code: True,
    ) -> None:
        self.cases = cases
        self.directory = directory
        self.evidence = evidence
        self.clock = clock or SystemClock()
        self.calendar = calendar or WorkingCalendar()
        self.policy = policy or DeadlinePolicy()
        self._serves = serves

    # ---- who is calling -------------------------------------------------------------------------

    async def identify(self, claimed: Caller, allowed: frozenset[str]) -> Caller:
        """The caller as routing's own directory knows them: the roles the token claims AND the
        directory grants, the directory's unit (and so the unit they head), name and position.

        One `_id` look-up per call. NotPermitted, with the reason, when none of ``allowed`` is
        left after the check."""
        user = await self.directory.user(claimed.agency_code, claimed.user_id)
        listed = frozenset(user.roles) if user is not None and user.active else frozenset()
        roles = (claimed.roles & listed) | (claimed.roles & TOKEN_TRUSTED_ROLES)
        if not roles & allowed:
            raise NotPermitted(*_why_refused(claimed, user, allowed))
        if user is None:
            return replace(claimed, roles=roles, unit_id=None)
        return Caller(
            user_id=claimed.user_id,
            agency_code=claimed.agency_code,
            full_name=user.full_name,
            roles=roles,
            unit_id=user.unit_id,
            position=user.position,
        )

    # ---- a registered document opens a case ---------------------------------------------------

    async def open_case(
        self, event: DocumentReceived, *, event_id: str, correlation_id: str
    ) -> bool:
        """The document awaits direction by the leader the routing rules suggest, or the rules
        themselves; False when its case was already open (the same document.received delivered
        again) or its agency is not served here."""
        [opened] = await self.open_cases([event])
        return opened

    async def open_cases(self, events: Sequence[DocumentReceived]) -> list[bool]:
        """`open_case` for a consumed batch, in a few reads and writes for all of it: the rules of
        the agencies involved, the people they name, the new cases.

        A document of an agency this deployment does not serve is skipped (logged and counted).
        One of a served agency without rules waits for them (`awaiting_rules`). A confidential
        one goes to its named readers whatever the rules say (`_presentation`), and waits for
        readers when it names none (`awaiting_readers`)."""
        served = [e for e in events if self._serves(e.agency_code)]
        for event in events:
            if not self._serves(event.agency_code):
                log.info("document of an agency not served here; skipped", agency=event.agency_code)
                DOCUMENTS_SKIPPED.labels("agency_not_served").inc()
        rules = await self.directory.routing_rules_of({e.agency_code for e in served})
        summaries = [_summary_of(e) for e in served]
        leaders = await self._leaders_for(
            [(e.agency_code, s) for e, s in zip(served, summaries, strict=True)], rules
        )
        opened = [
            _opened(event, summary, leader).case
            for event, summary, leader in zip(served, summaries, leaders, strict=True)
        ]
        # A void that came before its document (a replay starting between the two) was kept.
        voids = await self.cases.remembered_voids([c.case_id for c in opened]) if opened else {}
        stored = [
            StoredCase(
                case.void(voids[case.case_id]).case if case.case_id in voids else case, summary
            )
            for case, summary in zip(opened, summaries, strict=True)
        ]
        added = dict(
            zip((s.case.case_id for s in stored), await self.cases.add_many(stored), strict=True)
        )
        for case in (s.case for s in stored):
            if added[case.case_id]:
                leader = case.leader.user_id if case.leader else None
                log.info("case opened", case_id=case.case_id, leader=leader, status=case.status)
        await self._route_if_rules_came_meanwhile({e.agency_code for e in served} - set(rules))
        return [added.get(case_id_for(e.agency_code, e.document_id), False) for e in events]

    async def void_cases(self, events: Sequence[DocumentVoided]) -> None:
        """The registry voided documents: each case is closed as voided with the reason, its open
        tasks withdrawn with a notice to their assignees. A void whose case is not open yet is
        kept, and the case opens voided when its document arrives."""
        for event in events:
            # Outgoing documents have no case; other deployments' agencies are not ours.
            if event.register_type is not Register.INCOMING or not self._serves(event.agency_code):
                continue
            voiding = Voiding(
                reason=event.reason,
                voided_by=Person(
                    event.voided_by.user_id, event.voided_by.full_name, event.voided_by.position
                ),
                voided_at=event.voided_at,
            )
            case_id = case_id_for(event.agency_code, event.document_id)
            await self._void(event.agency_code, case_id, voiding)

    async def _void(self, agency_code: str, case_id: str, voiding: Voiding) -> None:
        for attempt in range(MAX_ATTEMPTS):
            try:
                stored = await self.cases.get(agency_code, case_id)
            except CaseNotFound:
                await self.cases.remember_void(agency_code, case_id, voiding)
                try:
                    # Opened between our read and the note: void it here (one of the two sees
                    # the other's write).
                    stored = await self.cases.get(agency_code, case_id)
                except CaseNotFound:
                    log.info("void kept for a case not opened yet", case_id=case_id)
                    return
            applied = stored.case.void(voiding)
            if not applied.events:
                return
            events = outgoing_events.contract_events(
                applied.case,
                stored.document,
                applied.events,
                StaffInfo(department=agency_code, name=voiding.voided_by.full_name),
            )
            try:
                await self.cases.save(
                    stored,
                    replace(stored, case=applied.case),
                    [_record(e, None, None) for e in events],
                )
            except ConcurrentUpdate:
                await asyncio.sleep(min(0.02 * 2**attempt, 1.0))
                continue
            log.info("case voided", case_id=case_id)
            return
        raise ConcurrentUpdate(case_id)

    async def _leaders_for(
        self, documents: Sequence[tuple[str, DocumentSummary]], rules: dict[str, RoutingRules]
    ) -> list[Person | None]:
        """Per (agency, document), whom it is presented to (`_presentation`), with one directory
        read per agency for all the people involved."""
        named: dict[str, set[str]] = {}
        for agency, document in documents:
            named.setdefault(agency, set()).update(_candidates(document, rules.get(agency)))
        found = await asyncio.gather(
            *(self.directory.users_by_id(a, ids) for a, ids in named.items())
        )
        people = dict(zip(named, found, strict=True))
        return [
            _presentation(document, rules.get(agency), people.get(agency, {}))
            for agency, document in documents
        ]

    async def _route_if_rules_came_meanwhile(self, agencies: set[str]) -> None:
        """Rules saved between our read of them and our write of the waiting cases found no
        such case to route; the cases are routed here instead."""
        if agencies:
            for agency in await self.directory.routing_rules_of(agencies):
                await self.route_waiting_cases(agency)

    # ---- the leader's inbox ---------------------------------------------------------------------

    async def inbox(self, caller: Caller, leader_user_id: str | None = None) -> list[StoredCase]:
        """Documents awaiting direction: the caller's own as a leader; a secretary's are those of
        the leaders whose delegation to them holds now (one of them when ``leader_user_id``
        names it), of what the secretary may see (a confidential one only if they are named on
        it too). NotPermitted for anyone else."""
        now = self.clock.now()
        seen_by = caller.principal
        if leader_user_id in (None, caller.user_id) and "leader" in caller.roles:
            return await self.cases.awaiting_direction(
                caller.agency_code, caller.user_id, seen_by=seen_by
            )
        if "secretary" not in caller.roles:
            raise NotPermitted(
                "The inbox is a leader's, or a secretary's for the leaders who delegated to them.",
                "Hộp văn bản chờ chỉ đạo dành cho lãnh đạo, hoặc thư ký của lãnh đạo đã ủy quyền.",
            )
        grants = await self.directory.delegations_to(caller.agency_code, caller.user_id)
        leaders = sorted(
            {d.leader_user_id for d in grants if d.covers(d.leader_user_id, caller.user_id, now)}
        )
        if leader_user_id is not None:
            if leader_user_id not in leaders:
                raise NotPermitted(
                    f"leader_user_id: you hold no valid delegation from {leader_user_id}.",
                    f"leader_user_id: bạn không có ủy quyền còn hiệu lực của {leader_user_id}.",
                )
            leaders = [leader_user_id]
        return await self.cases.awaiting_direction(caller.agency_code, *leaders, seen_by=seen_by)

    # ---- what people read: only what they may see (ADR 0006) ------------------------------------

    async def case_for(self, caller: Caller, case_id: str) -> StoredCase:
        """The case, when the caller may see its document; CaseNotFound (404) otherwise, as for
        an id that does not exist: the id derives from the document's, so a refusal would tell
        that the document is there."""
        caller.require_lists_documents()
        stored = await self.cases.get(caller.agency_code, case_id)
        if not caller.may_see(stored):
            raise CaseNotFound(case_id)
        return stored

    async def waiting_for_rules(self, caller: Caller) -> list[StoredCase]:
        caller.require_lists_documents()
        found = await self.cases.awaiting_rules(caller.agency_code, seen_by=caller.principal)
        return [s for s in found if caller.has_in_scope(s)]

    async def with_open_tasks(
        self, caller: Caller, *, user_id: str | None = None, unit_ids: Sequence[str] = ()
    ) -> list[StoredCase]:
        """Cases the caller may see with open (or unacknowledged withdrawn) tasks of the person
        or units (a unit head or specialist: only those in their scope, ADR 0008)."""
        caller.require_lists_documents()
        found = await self.cases.with_open_tasks_for(
            caller.agency_code, user_id=user_id, unit_ids=unit_ids, seen_by=caller.principal
        )
        return [s for s in found if caller.has_in_scope(s)]

    async def reported_cases(self, caller: Caller) -> list[tuple[StoredCase, bool]]:
        """The cases a report covers, each with whether the caller is cleared for its document:
        every case of the agency for the agency-wide roles, the cases of their tasks for a unit
        head (ADR 0008); a report counts them all and shows what is in one only to those cleared
        for it (ADR 0006)."""
        caller.require_lists_documents()
        return [
            (s, caller.cleared_for(s))
            for s in await self.cases.of_agency(caller.agency_code)
            if caller.has_in_scope(s)
        ]

    async def reported_by_document(
        self, caller: Caller, document_ids: Sequence[str]
    ) -> dict[str, tuple[StoredCase, bool]]:
        """The cases of those documents that a report covers (as `reported_cases`), by document
        id, each with whether the caller is cleared for it: one read by id, no scan."""
        caller.require_lists_documents()
        ids = sorted({case_id_for(caller.agency_code, d) for d in document_ids})
        return {
            s.case.document_id: (s, caller.cleared_for(s))
            for s in await self.cases.by_ids(caller.agency_code, ids)
            if caller.has_in_scope(s)
        }

    # ---- routing rules ------------------------------------------------------------------------

    async def save_routing_rules(self, caller: Caller, rules: dict[str, Any]) -> int:
        """Keep the agency's rules and route the documents that were waiting for them; how many
        were routed."""
        await self.directory.save_routing_rules(caller.agency_code, rules)
        return await self.route_waiting_cases(caller.agency_code)

    async def route_waiting_cases(self, agency_code: str) -> int:
        """Present every document of the agency that awaits rules to the leader the rules name
        (a confidential one to its named readers; naming none, it keeps waiting)."""
        rules = await self.directory.routing_rules(agency_code)
        if rules is None:
            return 0
        waiting = await self.cases.awaiting_rules(agency_code)
        leaders = await self._leaders_for(
            [(agency_code, s.document) for s in waiting], {agency_code: rules}
        )
        routed = 0
        for stored, leader in zip(waiting, leaders, strict=True):
            if leader is not None:
                routed += await self._route(stored, leader)
        if routed:
            log.info("waiting documents routed", agency=agency_code, count=routed)
        return routed

    async def _route(self, stored: StoredCase, leader: Person) -> int:
        for attempt in range(MAX_ATTEMPTS):
            applied = stored.case.route_to(leader, self.clock.now())
            if not applied.events:
                return 0
            try:
                await self.cases.save(stored, replace(stored, case=applied.case), [])
            except ConcurrentUpdate:
                await asyncio.sleep(min(0.02 * 2**attempt, 1.0))
                stored = await self.cases.get(stored.case.agency_code, stored.case.case_id)
                continue
            return 1
        raise ConcurrentUpdate(stored.case.case_id)

    # ---- changes to a case --------------------------------------------------------------------

    async def change_case(
        self,
        caller: Caller,
        case_id: str,
        change: Callable[[Case, Sequence[Delegation]], Applied],
        *,
        correlation_id: str | None = None,
        on_behalf: bool = False,
    ) -> StoredCase:
        """Apply one domain change and write it with its events; retried on concurrent writes.
        Only someone who may see the case changes it (CaseNotFound otherwise, so a secretary
        recording a leader's decision on a confidential case must be named on it too). The
        leader's delegations are read only for a change recorded on someone's behalf. New
        tasks of a confidential case go to its named readers only (`_refuse_unnamed_assignees`)."""
        for attempt in range(MAX_ATTEMPTS):
            stored = await self.case_for(caller, case_id)
            delegations = (
                await self.directory.delegations(caller.agency_code, stored.case.leader.user_id)
                if on_behalf and stored.case.leader is not None
                else []
            )
            applied = change(stored.case, delegations)
            if not applied.events:
                return stored
            await self._refuse_unnamed_assignees(stored, applied.case)
            after = replace(stored, case=applied.case)
            staff = await self._staff(caller)
            events = outgoing_events.contract_events(
                applied.case, stored.document, applied.events, staff
            )
            records = [_record(e, correlation_id, None) for e in events]
            try:
                await self.cases.save(stored, after, records)
            except ConcurrentUpdate:
                # Another writer (or a relay publishing this case's events) holds it: back off.
                await asyncio.sleep(min(0.02 * 2**attempt, 1.0))
                continue
            return after
        raise ConcurrentUpdate(case_id)

    async def urge_task(
        self,
        caller: Caller,
        case_id: str,
        task_id: str,
        kind: UrgingKind,
        note: str | None,
        urging_id: str | None = None,
    ) -> tuple[StoredCase, Urging]:
        """A leader or unit head urges a task (đôn đốc): kept in the case's history and told to
        the person holding it, or to the heads of the unit holding it (of a confidential case
        only those named on it). The same ``urging_id`` twice is one urging."""
        entry = Entry(urging_id or str(uuid.uuid4()), caller.actor, self.clock.now(), note)
        stored = await self.case_for(caller, case_id)
        task = stored.case.task(task_id)
        heads: list[str] = []
        if not task.assignee.is_person and task.assignee.unit_id is not None:
            heads = await self.directory.unit_heads(caller.agency_code, task.assignee.unit_id)
            if secrecy.is_confidential(stored.document.confidentiality):
                heads = [h for h in heads if h in stored.document.readers]
        by_leader = "leader" in caller.roles
        after = await self.change_case(
            caller,
            case_id,
            lambda case, _: case.urge(entry, task_id, kind, by_leader=by_leader, unit_heads=heads),
        )
        urging = next(u for u in after.case.urgings if u.urging_id == entry.decision_id)
        return after, urging

    async def _refuse_unnamed_assignees(self, stored: StoredCase, changed: Case) -> None:
        """InvalidInput naming the first assignee of a new task of a confidential case who is not
        named on it: a person not among its readers, or a unit none of whose active heads is (a
        unit's task is received and re-assigned by its head, and only named people may see the
        case). Every path that makes tasks (direction, re-direction, on paper, re-assignment)
        comes through here."""
        document = stored.document
        if not secrecy.is_confidential(document.confidentiality):
            return
        before = {t.task_id for t in stored.case.tasks}
        new = [t for t in changed.tasks if t.task_id not in before]
        agency = stored.case.agency_code
        units = sorted(
            {u for t in new if not t.assignee.is_person and (u := t.assignee.unit_id) is not None}
        )
        heads = await asyncio.gather(*(self.directory.unit_heads(agency, u) for u in units))
        refused = secrecy.unnamed_assignee(
            new, document.readers, dict(zip(units, heads, strict=True))
        )
        if refused is not None:
            raise secrecy.not_named(
                refused, document.confidentiality, await self._shown_as(agency, refused)
            )

    async def _shown_as(self, agency_code: str, assignee: Assignee) -> str:
        """How a refusal names the person or unit: the directory's name and the id."""
        if assignee.user_id is not None:
            user = await self.directory.user(agency_code, assignee.user_id)
            return f"{user.full_name} ({user.user_id})" if user else assignee.user_id
        unit_id = assignee.unit_id or ""
        unit = await self.directory.unit(agency_code, unit_id)
        return f"{unit.name} ({unit_id})" if unit else unit_id

    async def _staff(self, caller: Caller) -> StaffInfo:
        unit = (
            await self.directory.unit(caller.agency_code, caller.unit_id)
            if caller.unit_id
            else None
        )
        return StaffInfo(
            department=unit.name if unit else caller.agency_code,
            name=caller.full_name or caller.user_id,
        )

    async def file_link(self, caller: Caller, case_id: str, file_id: str) -> FileLink:
        """A short-lived download link to a file the case keeps (a draft, a paper slip), for
        someone who may see the document (CaseNotFound otherwise, as for no case)."""
        stored = await self.case_for(caller, case_id)
        file = stored.case.file(file_id)
        url = await self.evidence.link(file, FILE_LINK_TTL)
        log.info("file link given", case_id=case_id, file_id=file_id, user=caller.user_id)
        return FileLink(file, url, self.clock.now() + FILE_LINK_TTL)

    async def keep_evidence(self, data: bytes, name: str, media_type: str) -> FileReference:
        if not data:
            raise InvalidInput("slip: the scanned paper slip is empty.", "Bản quét phiếu trống.")
        return await self.evidence.keep(data, name, media_type)

    async def keep_draft(self, data: bytes, name: str, media_type: str) -> FileReference:
        if not data:
            raise InvalidInput("file: the draft is empty.", "Tệp dự thảo trống.")
        return await self.evidence.keep(data, name, media_type, prefix="routing/drafts")

    async def keep_appendix(self, data: bytes, name: str) -> FileReference:
        """An appendix of a draft, a PDF already opened and checked by the API."""
        if not data:
            raise InvalidInput(
                f"attachments: the appendix {name} is empty.", f"Tệp phụ lục {name} trống."
            )
        return await self.evidence.keep(data, name, "application/pdf", prefix="routing/drafts")

    # ---- deadlines ----------------------------------------------------------------------------

    async def send_deadline_notices(self, now: datetime | None = None) -> int:
        """Reminders and escalations due now, each sent once per task, kind and level."""
        at = now or self.clock.now()
        sent = 0
        for stored in await self.cases.with_open_deadlines():
            for attempt in range(MAX_ATTEMPTS):
                try:
                    sent += await self._notify_case(stored, at)
                    break
                except ConcurrentUpdate:
                    await asyncio.sleep(min(0.02 * 2**attempt, 1.0))
                    stored = await self.cases.get(stored.case.agency_code, stored.case.case_id)
        return sent

    async def _notify_case(self, stored: StoredCase, at: datetime) -> int:
        case = stored.case
        notices = deadline_notices(case.tasks, at, self.calendar, self.policy, stored.sent_notices)
        if not notices:
            return 0
        records = []
        for notice in notices:
            notify = (
                await self._escalation_target(stored, notice)
                if isinstance(notice, TaskEscalated)
                else None
            )
            event = outgoing_events.deadline_event(case, notice, notify, at)
            records.append(_record(event, None, None))
        after = replace(stored, sent_notices=stored.sent_notices | {n.key for n in notices})
        # Guarded by the revision we read: two workers scanning at once send each notice once.
        await self.cases.save(stored, after, records)
        return len(records)

    async def _escalation_target(self, stored: StoredCase, notice: TaskEscalated) -> str | None:
        case = stored.case
        if notice.escalate_to is EscalationTarget.LEADER:
            return case.leader.user_id if case.leader else None
        task = case.task(notice.task_id)
        unit_id = task.assignee.unit_id
        if unit_id is None:
            return None
        heads = await self.directory.unit_heads(case.agency_code, unit_id)
        document = stored.document
        if secrecy.is_confidential(document.confidentiality):
            # Told of a confidential case: only a head who is named on it.
            heads = [h for h in heads if h in document.readers]
        return heads[0] if heads else None

    # ---- the directory ------------------------------------------------------------------------

    async def save_unit(self, caller: Caller, unit: DirectoryUnit) -> None:
        _same_agency(caller, unit.agency_code)
        event = contract.UnitChanged(
            agency_code=unit.agency_code,
            unit_id=unit.unit_id,
            name=unit.name,
            parent_unit_id=unit.parent_unit_id,
            active=unit.active,
            changed_by=caller.as_contract_person,
            changed_at=self.clock.now(),
        )
        await self.directory.save_unit(unit, _record(event, None, None))

    async def save_user(self, caller: Caller, user: DirectoryUser) -> None:
        _same_agency(caller, user.agency_code)
        event = contract.UserChanged(
            agency_code=user.agency_code,
            user_id=user.user_id,
            full_name=user.full_name,
            position=user.position,
            unit_id=user.unit_id,
            email=user.email,
            roles=tuple(contract.DirectoryRole(r) for r in user.roles),
            active=user.active,
            changed_by=caller.as_contract_person,
            changed_at=self.clock.now(),
        )
        await self.directory.save_user(user, _record(event, None, None))

    async def grant_delegation(
        self,
        caller: Caller,
        *,
        leader_user_id: str,
        secretary_user_id: str,
        valid_from: datetime,
        valid_until: datetime | None,
        delegation_id: str | None = None,
    ) -> Delegation:
        known = await self.directory.users_by_id(
            caller.agency_code, (leader_user_id, secretary_user_id)
        )
        for who, field in (
            (leader_user_id, "leader_user_id"),
            (secretary_user_id, "secretary_user_id"),
        ):
            if who not in known:
                raise InvalidInput(
                    f"{field}: {who} is not in the directory of {caller.agency_code}.",
                    f"{field}: {who} không có trong danh bạ.",
                )
        delegation = Delegation(
            delegation_id=delegation_id or str(uuid.uuid4()),
            leader_user_id=leader_user_id,
            secretary_user_id=secretary_user_id,
            valid_from=valid_from,
            valid_until=valid_until,
        )
        await self._save_delegation(caller, delegation)
        return delegation

    async def delegations_seen_by(self, caller: Caller) -> list[Delegation]:
        """An administrator's agency's delegations; a leader's own grants and those made to a
        secretary, for whoever is both; by leader, then start, then id."""
        if Role.ADMINISTRATOR.value in caller.roles:
            found = await self.directory.agency_delegations(caller.agency_code)
        else:
            found = []
            if Role.LEADER.value in caller.roles:
                found += await self.directory.delegations(caller.agency_code, caller.user_id)
            if Role.SECRETARY.value in caller.roles:
                found += await self.directory.delegations_to(caller.agency_code, caller.user_id)
        unique = {d.delegation_id: d for d in found}.values()
        return sorted(unique, key=lambda d: (d.leader_user_id, d.valid_from, d.delegation_id))

    async def revoke_delegation(self, caller: Caller, delegation_id: str) -> Delegation:
        found = await self.directory.delegation(caller.agency_code, delegation_id)
        if found is None:
            raise LookupError(delegation_id)
        revoked = found.revoke(self.clock.now())
        await self._save_delegation(caller, revoked)
        return revoked

    async def _save_delegation(self, caller: Caller, delegation: Delegation) -> None:
        event = contract.DelegationChanged(
            agency_code=caller.agency_code,
            delegation_id=delegation.delegation_id,
            leader_user_id=delegation.leader_user_id,
            secretary_user_id=delegation.secretary_user_id,
            valid_from=delegation.valid_from,
            valid_until=delegation.valid_until,
            revoked_at=delegation.revoked_at,
            changed_by=caller.as_contract_person,
            changed_at=self.clock.now(),
        )
        await self.directory.save_delegation(
            caller.agency_code, delegation, _record(event, None, None)
        )


def _same_agency(caller: Caller, agency_code: str) -> None:
    if agency_code != caller.agency_code:
        raise NotPermitted(
            f"agency_code: you administer {caller.agency_code}, not {agency_code}.",
            f"agency_code: bạn quản trị {caller.agency_code}, không phải {agency_code}.",
        )


def _why_refused(
    claimed: Caller, user: DirectoryUser | None, allowed: frozenset[str]
) -> tuple[str, str]:
    wanted = " or ".join(sorted(allowed - TOKEN_TRUSTED_ROLES) or sorted(allowed))
    who, agency = claimed.user_id, claimed.agency_code
    if user is None:
        return (
            f"{who} is not in the organisation directory of {agency}, so routing cannot grant "
            f"the role {wanted}; ask an administrator to add you.",
            f"{who} chưa có trong danh bạ tổ chức của {agency} nên không được vai trò {wanted}; "
            "hãy đề nghị quản trị viên bổ sung.",
        )
    if not user.active:
        return (
            f"{who} is deactivated in the organisation directory of {agency}.",
            f"{who} đã bị vô hiệu hóa trong danh bạ tổ chức của {agency}.",
        )
    listed = ", ".join(user.roles) or "no role"
    return (
        f"The organisation directory of {agency} does not list {who} as {wanted} "
        f"(it lists: {listed}); the token's claim is not enough.",
        f"Danh bạ tổ chức của {agency} không ghi nhận {who} với vai trò {wanted} "
        f"(vai trò hiện có: {listed}).",
    )


def _person_of(user: DirectoryUser) -> Person:
    return Person(user.user_id, user.full_name, user.position)


def _candidates(document: DocumentSummary, rules: RoutingRules | None) -> set[str]:
    """Whom the document might be presented to, to look up in the directory."""
    if secrecy.is_confidential(document.confidentiality):
        return set(document.readers)
    return {rules.suggest(_facts_of_summary(document)).route.leader_user_id} if rules else set()


def _presentation(
    document: DocumentSummary, rules: RoutingRules | None, people: dict[str, DirectoryUser]
) -> Person | None:
    """Whom the document is presented to: a confidential one to its first named reader who is an
    active leader of the agency, else to its first named reader (never to a leader who is not
    named, whatever the rules say); any other one to the leader the rules name. None: nobody
    yet (no rules, or a confidential document naming nobody)."""
    if secrecy.is_confidential(document.confidentiality):
        leaders = {u for u, user in people.items() if user.active and "leader" in user.roles}
        user_id = secrecy.reader_to_present_to(document.readers, leaders)
    elif rules is not None:
        user_id = rules.suggest(_facts_of_summary(document)).route.leader_user_id
    else:
        return None
    if user_id is None:
        return None
    user = people.get(user_id)
    return _person_of(user) if user else Person(user_id, user_id)


def _opened(event: DocumentReceived, document: DocumentSummary, leader: Person | None) -> Applied:
    if leader is not None:
        return Case.open(
            document_id=event.document_id,
            agency_code=event.agency_code,
            leader=leader,
            opened_at=event.received_at,
        )
    wait = (
        Case.wait_for_readers
        if secrecy.is_confidential(document.confidentiality)
        else Case.wait_for_rules
    )
    return wait(
        document_id=event.document_id, agency_code=event.agency_code, opened_at=event.received_at
    )


def _facts_of_summary(document: DocumentSummary) -> DocumentFacts:
    return DocumentFacts(
        subject=document.subject,
        document_type_code=document.document_type_code,
        issuer_agency_code=document.issuer_agency_code,
    )


def _summary_of(event: DocumentReceived) -> DocumentSummary:
    return DocumentSummary(
        subject=event.abstract,
        urgency=event.urgency.value,
        confidentiality=event.confidentiality.value,
        received_at=event.received_at,
        arrival_number=event.arrival_number,
        document_type_code=event.document_type.code,
        issuer_name=event.issuer.name,
        issuer_agency_code=event.issuer.agency_code,
        due_date=event.due_date,
        sender_agency_code=event.exchange.sender_agency_code if event.exchange else None,
        sender_document_code=event.exchange.document_code if event.exchange else None,
        readers=tuple(event.readers),
        registered_by=event.registered_by.user_id,
    )


__all__ = ["Caller", "FileLink", "RoutingHandlers", "SystemClock", "case_id_for"]
