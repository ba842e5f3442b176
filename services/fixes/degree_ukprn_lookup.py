"""Find the UKPRN of a trainee's degree institution for the DQT team.

DQT answers `"qualification.providerUkprn": ["Organisation not found"]` when it
does not know the UKPRN Register sends for the trainee's first degree (lowest
graduation year, Register's default order). The playbook's remedy is to look the
institution up in DfE's reference data and send its details to DQT. This fix
does the look-up and writes the message; it changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select

from services.fixes.base import Fix, FixContext, Preview
from services.fixes.common import join_lines, load_trainee, trainee_preview
from services.fixes.institutions import (
    Institution,
    InstitutionsUnavailable,
    load_institutions,
)
from services.register.schema import degrees


def dqt_team_message(slug: str, trn: str | None, institution: Institution) -> str:
    return join_lines(
        [
            "Hello DQT team,",
            "",
            f"Register cannot send trainee {slug}"
            + (f" (TRN {trn})" if trn else "")
            + " because DQT does not recognise the UKPRN of their degree "
            'institution ("qualification.providerUkprn": ["Organisation not '
            'found"]).',
            "",
            f"Degree institution: {institution.name}",
            f"UKPRN: {institution.ukprn}",
            f"HESA ITT code: {institution.hesa_itt_code or 'none'}",
            f"DfE reference data id: {institution.id}",
            "",
            "Could you add this organisation on your side? We will then send the "
            "trainee's record again.",
        ]
    )


class DegreeUkprnLookup(Fix):
    name = "degree_ukprn_lookup"
    title = "Look up the degree institution's UKPRN"
    description = (
        "Find the trainee's first degree institution and its UKPRN in DfE's "
        "reference list and write the message for the DQT team."
    )

    def preview(
        self, ctx: FixContext, target: str, params: Mapping[str, str]
    ) -> Preview:
        values = self.check_params(params)
        row = load_trainee(ctx, target)
        with ctx.engine.connect() as conn:
            degree = (
                conn.execute(
                    select(degrees)
                    .where(degrees.c.trainee_id == row["id"])
                    .order_by(
                        degrees.c.graduation_year.asc().nulls_last(), degrees.c.id
                    )
                )
                .mappings()
                .first()
            )

        def result(blocked: str | None, message: str | None = None, **extra) -> Preview:
            return trainee_preview(
                self.name,
                row,
                values,
                summary=extra.pop(
                    "summary", f"degree UKPRN look-up for trainee {row['id']}"
                ),
                blocked=blocked,
                message=message,
                read_only=True,
                **extra,
            )

        if degree is None:
            return result(
                "the trainee has no degree, so Register sends no qualification "
                "and this error cannot come from one"
            )
        if not degree["institution_uuid"]:
            return result(
                "the first degree has no institution_uuid (institution "
                f"{degree['institution'] or 'not named'}): ask the provider to "
                "choose the institution again"
            )
        try:
            institutions = load_institutions(ctx.institutions_path)
        except InstitutionsUnavailable as problem:
            return result(str(problem))

        institution = institutions.get(str(degree["institution_uuid"]).lower())
        if institution is None:
            return result(
                f"institution_uuid {degree['institution_uuid']} "
                f"({degree['institution'] or 'no name'}) is not in the "
                "institutions list"
            )
        if not institution.ukprn:
            why = "a generic entry" if institution.generic else "listed without one"
            return result(
                f"{institution.name} has no UKPRN in the reference list ({why}): "
                "Register sends providerUkprn null, so DQT cannot be given one; "
                "ask the provider to check the degree"
            )

        warnings: tuple[str, ...] = ()
        if institution.closed:
            warnings = (f"{institution.name} closed in {institution.closed}",)
        return result(
            None,
            dqt_team_message(row["slug"], row["trn"], institution),
            summary=(
                f"degree institution of trainee {row['id']}: {institution.name}, "
                f"UKPRN {institution.ukprn}"
            ),
            warnings=warnings,
            next_steps=(
                "send the message to the DQT team",
                "once DQT has added the organisation, retry the failed job",
            ),
        )
