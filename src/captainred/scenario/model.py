"""Typed, frozen configuration: the catalog (what exists) and a scenario (what is ordered).

Validated once where it enters; the engine trusts it. Field names carry their unit (`_m`, `_s`, `_mps`,
`_kg`, `_deg`); a file may instead give a string with an explicit unit (see `units`).
"""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from captainred.scenario.sides import Side
from captainred.scenario.units import Duration, Length, Mass, Speed

Probability = float


MAX_TEXT = 2000  # characters in any one string of a scenario or the catalog (a description is a paragraph)
MAX_MARCH_M = 30_000.0  # a raid's walk from its camp to the rubble: a night on foot, at most
MAX_SHELLS = 100_000  # shells of all a scenario's bombardments together (the story's heaviest fires 360)
MAX_LGFS = 20_000  # LGFs a battle: the story's thousands, with room to spare


class Frozen(BaseModel):
    """Base of every model. A check across fields raises `ValueError("field: problem")` to name its field.

    No float may be infinite or NaN (`allow_inf_nan=False`), and no string may hold a control character or
    run past MAX_TEXT: names reach JSON, the terminal, the database and the browser.
    """

    model_config = ConfigDict(
        frozen=True, extra="forbid", str_strip_whitespace=True, allow_inf_nan=False, str_max_length=MAX_TEXT
    )

    @model_validator(mode="before")
    @classmethod
    def _plain_text(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for key, value in data.items():
                for text in value if isinstance(value, (list, tuple)) else (value,):
                    if isinstance(text, str) and _has_control(text, multiline=key == "description"):
                        raise ValueError(f"{key}: holds a control character (such as NUL or ESC)")
        return data


def _has_control(text: str, multiline: bool) -> bool:
    allowed = "\n\t" if multiline else ""
    return any((ord(c) < 32 and c not in allowed) or 127 <= ord(c) < 160 for c in text)


# --------------------------------------------------------------------------------------------- catalog


class BurnSpec(Frozen):
    """Fuel burn of one engine by throttle setting."""

    idle_kg_s: float = Field(ge=0)
    cruise_kg_s: float = Field(gt=0)
    full_kg_s: float = Field(gt=0)
    redline_kg_s: float = Field(gt=0)

    @model_validator(mode="after")
    def _rising(self) -> BurnSpec:
        if not self.idle_kg_s <= self.cruise_kg_s <= self.full_kg_s <= self.redline_kg_s:
            raise ValueError("burn must rise from idle to cruise to full to redline")
        return self


class CannonSpec(Frozen):
    rounds: int = Field(ge=0, le=65535)
    rate_rps: float = Field(gt=0, description="rounds per second while the button is held")
    burst_s: float = Field(gt=0)
    range_m: Length = Field(gt=0)
    cone_deg: float = Field(gt=0, le=45)
    hit_probability: Probability = Field(ge=0, le=1, description="per second of fire, point blank, dead astern")


class RocketSpec(Frozen):
    count: int = Field(ge=0, le=255)
    salvo: int = Field(ge=1, le=4)
    min_range_m: Length = Field(ge=0)
    max_range_m: Length = Field(gt=0)
    cone_deg: float = Field(gt=0, le=45)
    hit_probability: Probability = Field(ge=0, le=1)

    @model_validator(mode="after")
    def _envelope(self) -> RocketSpec:
        if self.min_range_m >= self.max_range_m:
            raise ValueError("min_range_m must be below max_range_m")
        return self


class EnergyWeaponSpec(Frozen):
    """The LGF's blue fire: no ammunition, but bursts heat the emitter."""

    range_m: Length = Field(gt=0)
    cone_deg: float = Field(gt=0, le=45)
    hit_probability: Probability = Field(ge=0, le=1, description="per second of fire, point blank")
    burst_s: float = Field(gt=0)
    heat_limit_s: float = Field(gt=0, description="seconds of continuous fire before it must cool")
    cool_rate: float = Field(gt=0, description="seconds of heat shed per second")
    bursts_before_rearm: int = Field(ge=1, le=10000)
    ground_damage: float = Field(
        default=1.0, ge=0, le=1e6, description="strength a bolt that strikes a ground position takes from it"
    )


class AircraftType(Frozen):
    name: str = Field(min_length=1)
    side: Side
    description: str = ""
    engines: int = Field(ge=1, le=4)
    max_speed_mps: Speed = Field(gt=0)
    cruise_speed_mps: Speed = Field(gt=0)
    stall_speed_mps: Speed = Field(gt=0)
    max_g: float = Field(gt=1, le=15)
    ceiling_m: Length = Field(gt=0)
    fuel_kg: Mass | None = Field(default=None, ge=0, description="None: not limited by fuel")
    burn: BurnSpec | None = None
    cannon: CannonSpec | None = None
    rockets: RocketSpec | None = None
    energy_weapon: EnergyWeaponSpec | None = None
    camera: bool = False
    radio: bool = True
    subsystems: bool = Field(default=True, description="damage by subsystem (False: smoking, then down)")

    @model_validator(mode="after")
    def _envelope(self) -> AircraftType:
        if not self.stall_speed_mps < self.cruise_speed_mps <= self.max_speed_mps:
            raise ValueError("speeds must satisfy stall < cruise <= max")
        if (self.fuel_kg is None) != (self.burn is None):
            raise ValueError("fuel_kg and burn go together: give both or neither")
        return self


class MotherShipType(Frozen):
    name: str
    description: str = ""
    length_m: Length = Field(gt=0)
    width_m: Length = Field(gt=0)
    height_m: Length = Field(gt=0)
    hover_altitude_m: Length = Field(ge=0)
    doors: int = Field(ge=1, le=8)
    launch_per_door_per_s: float = Field(gt=0)
    mind_reach_m: Length = Field(ge=0)
    blackout_hazard_per_s: float = Field(ge=0, le=1, description="at susceptibility 1, per second")
    blackout_min_s: float = Field(gt=0)
    blackout_max_s: float = Field(gt=0)
    plate_seal_s: Duration = Field(default=8.0, gt=0, description="the hull's plates close a breach in this")

    @model_validator(mode="after")
    def _blackout(self) -> MotherShipType:
        if self.blackout_min_s > self.blackout_max_s:
            raise ValueError("blackout_min_s must not exceed blackout_max_s")
        return self


class PilotSpec(Frozen):
    name: str = Field(min_length=1)
    callsign: str = Field(min_length=1)
    nickname: str | None = None
    skill: float = Field(ge=0, le=1)
    susceptibility: float = Field(default=0.1, ge=0, le=1, description="to the mother ship's reach")


class SquadronSpec(Frozen):
    id: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    name: str
    carrier: str
    captain: str
    callsign: str = Field(description="the word in each callsign, 'Devil' in 'Devil two'")
    insignia: str
    colour: str = Field(pattern=r"^#[0-9a-fA-F]{6}$")
    story: bool = Field(default=False, description="named in the story (else a design value)")
    pilots: tuple[PilotSpec, ...] = Field(min_length=1)


class CarrierSpec(Frozen):
    name: str
    description: str = ""
    hangar_capacity: int = Field(ge=1, le=1000)
    launch_interval_s: Duration = Field(gt=0)
    recovery_interval_s: Duration = Field(gt=0)
    deck_altitude_m: Length = Field(ge=0)
    # The deck cycle (captainred.fleet.carrier_deck); design values, defaults for older catalogs.
    preflight_s: Duration = Field(default=20.0, ge=0, description="all-clear flag to the first aircraft away")
    deck_crews: int = Field(default=4, ge=1, le=100, description="refuel-and-rearm crews, one aircraft each at a time")
    turnaround_min_s: Duration = Field(default=300.0, gt=0, description="the quickest refuel and rearm")
    refuel_kg_s: float = Field(default=12.0, gt=0, description="one crew's hose, kg of fuel a second")
    rearm_s: Duration = Field(default=240.0, ge=0, description="guns and rockets, done while she refuels")
    mechanics: int = Field(default=3, ge=1, le=100, description="repair teams below, one aircraft each at a time")


class MapSpec(Frozen):
    name: str
    kind: Literal["sea", "manhattan"]
    description: str = ""


# ---------------------------------------------------------------------------------------- on the ground


class SmallArm(Frozen):
    """A weapon a soldier carries on foot (catalog: small_arms.toml). Design values from the real ones."""

    name: str = Field(min_length=1)
    kind: Literal["submachine gun", "light machine gun", "machine gun", "rifle", "revolver", "pistol"]
    description: str = ""
    weight_kg: Mass = Field(gt=0, description="loaded, with its sling")
    rate_rpm: float = Field(gt=0, description="rounds a minute while the trigger is held")
    magazine: int = Field(ge=1, le=1000, description="rounds in a magazine (or a revolver's cylinder)")
    magazines_carried: int = Field(ge=0, le=100, description="spare magazines issued with it")
    magazine_kg: Mass = Field(ge=0, description="weight of one spare magazine")
    effective_range_m: Length = Field(gt=0)
    handling: float = Field(ge=0, le=1, description="how well it points on the move and round a corner")
    noise: float = Field(ge=0, le=100, description="how much it rattles and clanks on a night march (a Tommy gun: 1)")
    sidearm: bool = Field(default=False, description="carried besides a main weapon")
    story: bool = False


class PositionType(Frozen):
    """A position of the army's front line (catalog: ground.toml): dug-in men and guns that blue fire
    pounds. Design values."""

    name: str = Field(min_length=1)
    description: str = ""
    strength: float = Field(gt=0, le=1e6, description="what blue fire must take from it before it is lost")
    garrison: int = Field(ge=0, le=100_000, description="soldiers holding it")


class BatteryType(Frozen):
    """An anti-aircraft battery (catalog: ground.toml): guns with a reach and a ceiling, a rate of fire,
    a dump of shells and the crews that serve them. Design values."""

    name: str = Field(min_length=1)
    description: str = ""
    guns: int = Field(ge=1, le=64)
    range_m: Length = Field(gt=0, le=50_000, description="slant range of a telling shot")
    ceiling_m: Length = Field(gt=0, le=20_000, description="the highest a shell is any use")
    rate_rpm: float = Field(gt=0, le=600, description="rounds a minute from each gun")
    shells: int = Field(ge=0, le=1_000_000, description="in the battery's dump")
    crew: int = Field(ge=1, le=10_000, description="gunners, all guns together")
    hit_probability: Probability = Field(ge=0, le=1, description="per round at an LGF close overhead")
    strength: float = Field(gt=0, le=1e6, description="what blue fire must take from it to silence it")


class CampType(Frozen):
    """The army's camp near the city (catalog: ground.toml): a runway an aircraft can divert to, the
    hospital tent and the supply tent. Design values."""

    name: str = Field(min_length=1)
    description: str = ""
    runway_m: Length = Field(gt=0, le=10_000, description="the strip's length")
    hospital_beds: int = Field(ge=0, le=10_000, description="in the hospital tent")
    supply_tent: bool = Field(default=True, description="where a raid draws its kit")


class Catalog(Frozen):
    aircraft: dict[str, AircraftType]
    ships: dict[str, MotherShipType]
    squadrons: dict[str, SquadronSpec]
    carriers: dict[str, CarrierSpec]
    maps: dict[str, MapSpec]
    small_arms: dict[str, SmallArm] = Field(default_factory=dict)
    positions: dict[str, PositionType] = Field(default_factory=dict)
    batteries: dict[str, BatteryType] = Field(default_factory=dict)
    camps: dict[str, CampType] = Field(default_factory=dict)


# -------------------------------------------------------------------------------------------- scenario


class CarrierPlacement(Frozen):
    name: str
    position_m: tuple[Length, Length]


class SquadronOrder(Frozen):
    """One squadron as the briefing commits it."""

    id: str
    aircraft_type: str
    aircraft: int = Field(ge=1, le=24)
    carrier: str | None = Field(default=None, description="defaults to the squadron's own")
    photo_aircraft: int = Field(default=0, ge=0, le=24)
    rockets: int | None = Field(default=None, ge=0, le=255, description="loadout; defaults to the type's full count")
    pilots: tuple[str, ...] | None = Field(
        default=None, max_length=24, description="names from the roster, in slot order"
    )
    flight: Literal["starboard", "port"] = "starboard"
    stand_by: bool = Field(default=False, description="aboard at readiness: the squadron does not launch")

    @model_validator(mode="after")
    def _photo(self) -> SquadronOrder:
        if self.photo_aircraft > self.aircraft:
            raise ValueError(f"photo_aircraft: {self.photo_aircraft} exceeds aircraft ({self.aircraft})")
        if self.pilots is not None and len(self.pilots) > self.aircraft:
            raise ValueError(f"pilots: {len(self.pilots)} pilots named for {self.aircraft} aircraft")
        return self


class MissionSpec(Frozen):
    """The mission as the briefing gives it: what, where, how high, how long, and how much radio."""

    type: Literal["reconnaissance", "radial_patrol", "combat_air_patrol", "escort", "strike"]
    target_m: tuple[Length, Length] | None = Field(default=None, description="map position of the target")
    radius_m: Length | None = Field(default=None, gt=0, description="radial patrol: the circuit's radius")
    circuits: int = Field(default=1, ge=1, le=10, description="radial patrol: times round the fleet")
    launch_range_m: Length | None = Field(
        default=None, gt=0, description="launch once the carrier is this close to the target (None: at once)"
    )
    cruise_altitude_m: Length = Field(gt=0)
    photo_interval_s: Duration = Field(default=5.0, ge=0.1)
    photo_range_m: Length = Field(default=4000.0, gt=0)
    photos_wanted: int = Field(default=24, ge=0, le=255, description="per photo aircraft, then it turns for home")
    radio: Literal["normal", "essential", "silence"] = "essential"
    time_over_target_s: Duration = Field(default=600.0, gt=0, description="then everyone turns for home")
    waypoints_m: tuple[tuple[Length, Length], ...] = Field(
        default=(), max_length=20, description="the route out, flown in order before the target"
    )
    break_off: tuple[Literal["fuel", "ammunition", "damage", "photos", "time"], ...] = Field(
        max_length=5,
        default=("fuel", "ammunition", "damage", "photos", "time"),
        description="what sends a pilot home: bingo fuel, empty guns, damage, pictures taken, time over target",
    )

    @model_validator(mode="after")
    def _where(self) -> MissionSpec:
        if self.type == "radial_patrol":
            if self.radius_m is None:
                raise ValueError("radius_m: a radial patrol needs the circuit's radius")
        elif self.target_m is None:
            raise ValueError(f"target_m: a {self.type.replace('_', ' ')} needs a target")
        if self.launch_range_m is not None and self.target_m is None:
            raise ValueError("launch_range_m: launching on range needs a target_m to measure it to")
        return self


class DoctrineSpec(Frozen):
    bingo_fuel_kg: Mass | None = Field(
        default=None, ge=0, description="fuel at which a pilot turns for home; None: computed from distance"
    )
    reserve_fuel_kg: Mass = Field(default=150.0, ge=0)
    photo_reserve_fuel_kg: Mass | None = Field(
        default=None,
        ge=0,
        description="the reserve of a photo pilot still short of her pictures (she presses on for them); "
        "None: reserve_fuel_kg",
    )
    joker_fuel_kg: Mass = Field(
        default=0.0,
        ge=0,
        description="fuel held back to fight free: with an LGF within engage range, a pilot turns for home "
        "this much above bingo (joker fuel)",
    )
    cover_wingmen: int = Field(
        default=0,
        ge=0,
        le=4,
        description="how many squadron mates still in the fight cover a pilot out when she turns for home "
        "with an LGF on her tail",
    )
    engage_range_m: Length = Field(default=3000.0, gt=0)
    evade_range_m: Length = Field(default=900.0, gt=0)
    streets_altitude_m: Length = Field(default=120.0, gt=0, description="how low a pilot dives to evade")
    divert_fuel_kg: Mass = Field(
        default=0.0,
        ge=0,
        description="below this in the landing pattern with her own deck foul, a pilot diverts to the other "
        "carrier or the camp's runway (0: never)",
    )
    sorties_per_day: int = Field(
        default=1,
        ge=1,
        le=12,
        description="how many times a pilot flies in a battle: above 1, an aircraft turned around on deck "
        "relaunches (relays) until she has flown this many",
    )


class WavesSpec(Frozen):
    """The swarm's waves toward the front (chapter III's day): each leaves the ship's doors in turn, flies
    to the line and pounds it with blue fire; those spent come home, rearm and go out again."""

    count: int = Field(ge=1, le=200, description="waves")
    size: int = Field(ge=1, le=20_000, description="LGFs in a wave")
    first_s: Duration = Field(default=0.0, ge=0, description="when the first wave leaves the ship")
    every_s: Duration = Field(default=300.0, ge=10, description="between waves (at least 10 s: each is an event)")
    rearm_s: Duration = Field(
        default=600.0, ge=60, description="aboard the ship between sorties (at least a minute: each sortie is events)"
    )
    fight_back_m: Length = Field(
        default=1500.0, ge=0, description="a pilot this close draws a striking LGF off the line to fight her"
    )


class EnemySpec(Frozen):
    ship: str | None = Field(default=None, description="mother ship type from the catalog")
    ship_position_m: tuple[Length, Length] = (0.0, 0.0)
    aircraft_type: str = "LGF"
    defenders: int = Field(default=0, ge=0, le=20000)
    airborne: int = Field(default=0, ge=0, le=20000, description="already in the air at the start")
    commit_range_m: Length = Field(default=9000.0, gt=0, description="intruders this close bring out the swarm")
    recall_after_s: Duration = Field(
        default=120.0,
        ge=0,
        le=7 * 86400,
        description="a committed swarm with no intruder within its reach this long goes back in (0: never)",
    )
    force_down_fraction: float = Field(default=0.1, ge=0, le=1)
    listen_range_m: Length = Field(
        default=60000.0, ge=0, description="the ship hears Air Command's transmissions this close (0: deaf)"
    )
    hear_per_s: float = Field(
        default=0.6,
        ge=0,
        le=100,
        description="how readily the ship hears a call in range: a hazard per second of transmission",
    )
    skill: float = Field(default=0.6, ge=0, le=1)
    waves: WavesSpec | None = Field(default=None, description="waves against the front (needs a [front])")

    @model_validator(mode="after")
    def _ship(self) -> EnemySpec:
        if self.defenders > 0 and self.ship is None:
            raise ValueError(f"ship: {self.defenders} defenders need a ship to launch from")
        if self.waves is not None:
            if self.ship is None:
                raise ValueError("waves: the waves need a ship to launch from")
            craft = self.airborne + self.defenders + self.waves.count * self.waves.size
            if craft > MAX_LGFS:
                raise ValueError(f"waves: {craft:,} LGFs in all (defenders, airborne and waves); at most {MAX_LGFS:,}")
        return self


class FrontSpec(Frozen):
    """The army's front line (chapter III): positions spread evenly along a line, and anti-aircraft
    batteries along a parallel line behind it, on the side away from the mother ship."""

    line_m: tuple[tuple[Length, Length], tuple[Length, Length]] = Field(description="the line's two ends")
    positions: int = Field(ge=1, le=200)
    position_type: str = Field(min_length=1, description="from the catalog's positions")
    batteries: int = Field(default=0, ge=0, le=200)
    battery_type: str = Field(default="AA battery", min_length=1, description="from the catalog's batteries")
    batteries_behind_m: Length = Field(default=1500.0, ge=0, le=20_000, description="behind the line")
    breaks_at: float = Field(
        default=0.5, gt=0, le=1, description="the front is broken once this share of its positions is lost"
    )
    camp: str | None = Field(default=None, description="the camp near the city, from the catalog's camps")
    camp_m: tuple[Length, Length] | None = Field(default=None, description="where the camp's runway is")

    @model_validator(mode="after")
    def _line(self) -> FrontSpec:
        if math.dist(*self.line_m) < 1.0:
            raise ValueError("line_m: the line's two ends are the same point")
        if (self.camp is None) != (self.camp_m is None):
            raise ValueError("camp_m: a camp and its place go together: give both or neither")
        return self


class TimingSpec(Frozen):
    duration_s: Duration = Field(gt=0, le=7 * 86400)
    combat_tick_s: Duration = Field(default=0.2, ge=0.02, le=1.0)
    transit_tick_s: Duration = Field(default=2.0, ge=0.02, le=10.0)
    idle_tick_s: Duration = Field(
        default=300.0, ge=0.02, le=3600.0, description="nothing in the air: the fleet steams in steps this long"
    )
    quiet_range_m: Length = Field(
        default=30000.0, gt=0, description="no hostile within this: the battle takes transit ticks"
    )

    @model_validator(mode="after")
    def _ticks(self) -> TimingSpec:
        if self.transit_tick_s < self.combat_tick_s:
            raise ValueError(
                f"transit_tick_s: {self.transit_tick_s:g} s is below combat_tick_s ({self.combat_tick_s:g} s)"
            )
        return self


class FleetSpec(Frozen):
    """The fleet steams on a course at a speed; the carriers (and the net over them) move with it."""

    speed_mps: Speed = Field(default=0.0, ge=0, le=30)
    course_deg: float = Field(default=0.0, ge=0, lt=360, description="compass course, 0 = north")


class NetSpec(Frozen):
    """The pink dome of light over the fleet: enemy craft and enemy fire cannot pass it; what strikes it
    is absorbed until its strength is spent. It parts only to let aircraft file out and back."""

    enabled: bool = True
    radius_m: Length = Field(default=6000.0, gt=0, le=50000)
    strength_t: float = Field(
        default=5000.0, gt=0, le=1e7, description="tonnes of TNT it can absorb before it gives way (design value)"
    )
    gap_m: Length = Field(default=150.0, gt=0, le=2000, description="how wide it parts for aircraft")


class BombardmentSpec(Frozen):
    """Ships firing salvos: each shell flies for a time, falls with a spread about its aim point, and
    strikes what is there (the net, the mother ship's hull, the ground or the sea)."""

    name: str = Field(min_length=1)
    from_m: tuple[Length, Length] = Field(description="where the firing ships lie")
    at: Literal["fleet", "mother-ship", "point"] = Field(description="the fleet under its net, the ship, or target_m")
    target_m: tuple[Length, Length] | None = None
    start_s: Duration = Field(default=0.0, ge=0)
    salvos: int = Field(ge=1, le=1000)
    interval_s: Duration = Field(gt=0)
    shells: int = Field(ge=1, le=200, description="shells a salvo")
    shell_tnt_kg: Mass = Field(gt=0, le=10000)
    spread_m: Length = Field(default=150.0, ge=0, le=20000)
    shell_speed_mps: Speed = Field(default=600.0, ge=50, le=3000, description="mean speed over the trajectory")

    @model_validator(mode="after")
    def _aim(self) -> BombardmentSpec:
        if self.at == "point" and self.target_m is None:
            raise ValueError("target_m: a bombardment at a point needs target_m")
        return self


class RaidMember(Frozen):
    """One of the party, as the supply tent equips her."""

    pilot: str = Field(min_length=1, description="a pilot from a squadron's roster")
    weapon: str = Field(default="Tommy gun", description="the main weapon asked for (the quartermaster decides)")
    sidearm: str | None = None
    first_aid_kit: bool = Field(default=False, description="she carries the party's first-aid kit")
    wounded: bool = Field(default=False, description="slipped out of the hospital still wounded")


class RaidSpec(Frozen):
    """A night raid on foot into the mother ship (chapter III): the party, its kit, the ground it crosses,
    the bombardment it waits for, the breach, the corridors and the captive. Design values throughout,
    except where the story gives them (noted)."""

    party: tuple[RaidMember, ...] = Field(min_length=1, max_length=12)
    captive: str = Field(min_length=1, description="the pilot held in the ship")
    captive_held_s: Duration = Field(default=3 * 86400.0, ge=0, description="held this long before the raid")
    captive_will: float = Field(default=0.9, ge=0, le=1, description="how long her will holds her secret")
    start_m: tuple[Length, Length] = Field(description="the camp the party sets out from")
    rubble_m: tuple[Length, Length] = Field(description="the rubble where it waits, close to the hull")
    set_out_s: Duration = Field(default=0.0, ge=0, description="dusk: when the party sets out")
    # The quartermaster's rules (story: Tommy guns all round, one Bren gun, nothing heavier).
    heaviest_issue_kg: Mass = Field(default=10.0, gt=0, description="nothing heavier is issued")
    light_machine_guns: int = Field(default=1, ge=0, le=12, description="issued to those who insist, at most this many")
    pack_kg: Mass = Field(default=9.0, ge=0, description="rucksack, rations and emergency gear")
    first_aid_kg: Mass = Field(default=1.5, ge=0)
    first_aid_uses: int = Field(default=4, ge=0, le=100, description="wounds the kit can patch")
    patch_s: Duration = Field(default=120.0, gt=0, description="the party halts this long to patch a wound")
    # The ground and the enemy on it.
    moonlight: float = Field(default=0.5, ge=0, le=1, description="0 a black night, 1 a full moon")
    patrols: float = Field(default=1.0, ge=0, le=20, description="enemy patrols in the ruins (1: as the story)")
    patrol_size: int = Field(default=4, ge=1, le=50)
    breach_height_m: Length = Field(default=1.83, gt=0, description="how far up the hull the breach is (6 ft)")
    climb_s: Duration = Field(default=2.5, gt=0, description="for one of the party to climb into a breach")
    corridor_m: Length = Field(default=600.0, gt=0, description="from the breach to the captive's cell")
    defenders: float = Field(default=1.0, ge=0, le=20, description="the ship's own guards inside (1: design value)")
    swarm_wave_every_s: Duration = Field(default=120.0, ge=10, description="at least 10 s: each wave is an event")
    swarm_wave: int = Field(
        default=300, ge=0, le=20000, description="LGFs in a wave toward the front (story: thousands)"
    )

    @model_validator(mode="after")
    def _party(self) -> RaidSpec:
        names = [m.pilot for m in self.party]
        for i, name in enumerate(names):
            if name in names[:i]:
                raise ValueError(f"party: '{name}' is in the party twice")
        if self.captive in names:
            raise ValueError(f"captive: '{self.captive}' cannot be both in the party and the captive")
        if sum(m.first_aid_kit for m in self.party) > 1:
            raise ValueError("party: one first-aid kit for the party, carried by one of them")
        march_m = math.dist(self.start_m, self.rubble_m)
        if march_m > MAX_MARCH_M:
            raise ValueError(
                f"start_m: the camp lies {march_m / 1000:.0f} km from the rubble; a night's march is at most "
                f"{MAX_MARCH_M / 1000:.0f} km"
            )
        return self


class Scenario(Frozen):
    name: str = Field(min_length=1)
    description: str = ""
    map: str
    timing: TimingSpec
    carriers: tuple[CarrierPlacement, ...] = Field(min_length=1, max_length=20)
    squadrons: tuple[SquadronOrder, ...] = Field(min_length=1, max_length=50)
    mission: MissionSpec
    fleet: FleetSpec = FleetSpec()
    net: NetSpec = NetSpec()
    bombardments: tuple[BombardmentSpec, ...] = Field(default=(), max_length=50)
    doctrine: DoctrineSpec = DoctrineSpec()
    enemy: EnemySpec = EnemySpec()
    raid: RaidSpec | None = Field(default=None, description="a raid on foot into the mother ship (chapter III)")
    front: FrontSpec | None = Field(default=None, description="the army's front line and its batteries (chapter III)")

    @model_validator(mode="after")
    def _bounded_fire(self) -> Scenario:
        # Each shell that lands is an event: the event log grows with the shells, not with the file's size.
        shells = sum(b.salvos * b.shells for b in self.bombardments)
        if shells > MAX_SHELLS:
            raise ValueError(f"bombardments: {shells:,} shells in all; at most {MAX_SHELLS:,}")
        if self.enemy.waves is not None and self.front is None:
            raise ValueError("enemy.waves: waves toward the front need a [front] to fly at")
        return self


class ResolvedScenario(Frozen):
    """A scenario with the catalog entries it names, checked against each other: what the engine reads."""

    scenario: Scenario
    catalog: Catalog
    crews: tuple[tuple[PilotSpec, ...], ...] = Field(description="pilots of each squadron order, in slot order")
    source: str = Field(description="where it came from: a built-in name or a file path")
