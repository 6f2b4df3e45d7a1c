"""The supply tent: what each of a raid's party carries, by the quartermaster's rules.

Tommy guns all round by default; a light machine gun (the Bren) only for someone who insists, and no more
of them than the rules allow; nothing heavier than the heaviest weapon he may issue; a sidearm for whoever
asks. Each carries a pack with rations and emergency gear, her weapon's spare magazines, and one of them
the first-aid kit. A request he refuses is a scenario error naming the member and the rule.
"""

from __future__ import annotations

from dataclasses import dataclass

from captainred.scenario.errors import ScenarioError
from captainred.scenario.model import Catalog, PilotSpec, RaidSpec, SmallArm


@dataclass(frozen=True)
class Issue:
    """What one of the party carries out of the supply tent."""

    pilot: PilotSpec
    squadron: str
    weapon: SmallArm
    sidearm: SmallArm | None
    first_aid_kit: bool

    @property
    def rounds(self) -> int:
        """Rounds for the main weapon: the one loaded and the spares."""
        return self.weapon.magazine * (1 + self.weapon.magazines_carried)

    def load_kg(self, raid: RaidSpec) -> float:
        """Everything she carries: pack, weapon, spare magazines, sidearm, and the kit if it is hers."""
        load = raid.pack_kg + self.weapon.weight_kg + self.weapon.magazines_carried * self.weapon.magazine_kg
        if self.sidearm is not None:
            load += self.sidearm.weight_kg + self.sidearm.magazines_carried * self.sidearm.magazine_kg
        if self.first_aid_kit:
            load += raid.first_aid_kg
        return load


def roster_pilot(catalog: Catalog, name: str) -> tuple[PilotSpec, str] | None:
    """A pilot by name from any squadron's roster, with her squadron's id."""
    for squadron in catalog.squadrons.values():
        for pilot in squadron.pilots:
            if pilot.name == name or pilot.nickname == name:
                return pilot, squadron.id
    return None


def issue_kit(raid: RaidSpec, catalog: Catalog, source: str) -> tuple[Issue, ...]:
    """Equip the party, member by member, or raise ScenarioError naming the request refused."""
    arms = catalog.small_arms
    known = ", ".join(sorted(n for n, a in arms.items() if not a.sidearm))
    issues: list[Issue] = []
    machine_guns = 0
    kit_carrier = next((i for i, m in enumerate(raid.party) if m.first_aid_kit), 0 if raid.first_aid_uses else -1)
    if roster_pilot(catalog, raid.captive) is None:
        raise ScenarioError(source, "raid.captive", f"no pilot '{raid.captive}' in any squadron's roster")
    for i, member in enumerate(raid.party):
        where = f"raid.party[{i}]"
        found = roster_pilot(catalog, member.pilot)
        if found is None:
            raise ScenarioError(source, f"{where}.pilot", f"no pilot '{member.pilot}' in any squadron's roster")
        weapon = arms.get(member.weapon)
        if weapon is None:
            raise ScenarioError(source, f"{where}.weapon", f"unknown weapon '{member.weapon}' (known: {known})")
        if weapon.sidearm:
            raise ScenarioError(source, f"{where}.weapon", f"a {weapon.name} is a sidearm, not a main weapon")
        if weapon.weight_kg > raid.heaviest_issue_kg:
            raise ScenarioError(
                source,
                f"{where}.weapon",
                f"the quartermaster issues nothing heavier than {raid.heaviest_issue_kg:g} kg; "
                f"a {weapon.name} weighs {weapon.weight_kg:g} kg",
            )
        if weapon.kind == "light machine gun":
            machine_guns += 1
            if machine_guns > raid.light_machine_guns:
                raise ScenarioError(
                    source,
                    f"{where}.weapon",
                    f"the quartermaster issues at most {raid.light_machine_guns} light machine gun(s) "
                    f"to the party, and this would be number {machine_guns}",
                )
        sidearm = None
        if member.sidearm is not None:
            sidearm = arms.get(member.sidearm)
            if sidearm is None or not sidearm.sidearm:
                sidearms = ", ".join(sorted(n for n, a in arms.items() if a.sidearm))
                raise ScenarioError(
                    source, f"{where}.sidearm", f"'{member.sidearm}' is not a sidearm (known: {sidearms})"
                )
        pilot, squadron = found
        issues.append(Issue(pilot, squadron, weapon, sidearm, first_aid_kit=i == kit_carrier))
    return tuple(issues)
