"""The RL environments: the official checkers of PettingZoo and Gymnasium, our own determinism across batch
sizes, agents dying and episodes ending by the APIs' rules, masks, bad arguments, and a training smoke test."""

from __future__ import annotations

import hashlib

import gymnasium
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from gymnasium.utils.env_match import check_environments_match
from gymnasium.vector import AutoresetMode, SyncVectorEnv
from hypothesis import given, settings
from hypothesis import strategies as st
from pettingzoo.test import api_test, parallel_api_test, parallel_seed_test

from benchmark_scripts import load_script
from captainred.engine.world import Status
from captainred.replay.format import ReplayWriter, read_replay
from captainred.rl import ACTIONS, LEARNING_SCENARIOS, BattleBatch, RLError, observation_names
from captainred.rl.actions import LEVELS, ActionForm
from captainred.rl.core import CANNON, CLIMB, HOME, ROCKETS, THROTTLE, TURN
from captainred.rl.gym_env import CaptainRedEnv, CaptainRedVectorEnv
from captainred.rl.pettingzoo_env import CaptainRedParallelEnv, env
from captainred.rl.scenarios import LearningScenario, learning_scenario
from on_threads import on_threads


def _pursuit(obs: np.ndarray) -> np.ndarray:
    """A fixed, deterministic pilot for the core: turn toward the nearest enemy, fire when it is ahead."""
    names = observation_names(1 if obs.shape[-1] == 63 else 2)
    right = obs[..., names.index("enemy0_right")]
    ahead = obs[..., names.index("enemy0_ahead")]
    above = obs[..., names.index("enemy0_above")]
    a = np.zeros((*obs.shape[:-1], len(ACTIONS)))
    a[..., TURN] = np.clip(8.0 * right, -1, 1)
    a[..., CLIMB] = np.clip(8.0 * above, -1, 1)
    a[..., THROTTLE] = 0.8
    on = (ahead > 0) & (np.abs(right) < 0.2 * np.abs(ahead) + 0.01)
    a[..., CANNON] = np.where(on, 1.0, -1.0)
    a[..., ROCKETS] = np.where(on, 1.0, -1.0)
    a[..., HOME] = -1.0
    return a


# ------------------------------------------------------------------------------------- official checkers


def test_pettingzoo_parallel_api_test_passes() -> None:
    parallel_api_test(CaptainRedParallelEnv("dogfight-2v2"), num_cycles=200)


def test_pettingzoo_aec_api_test_passes_through_parallel_to_aec() -> None:
    api_test(env(scenario="dogfight-2v2"), num_cycles=100)


def test_pettingzoo_parallel_seed_test_passes() -> None:
    parallel_seed_test(lambda: CaptainRedParallelEnv("dogfight-2v2"))


def test_self_play_passes_the_parallel_api_test_with_both_sides_as_agents() -> None:
    e = CaptainRedParallelEnv("dogfight-2v2", control=("slayers", "lgf"))
    assert e.possible_agents == ["slayer_1", "slayer_2", "lgf_1", "lgf_2"]
    parallel_api_test(e, num_cycles=100)


def test_gymnasium_check_env_passes_for_each_registered_scenario() -> None:
    for env_id in ("captainred/Dogfight1v1-v0", "captainred/PhotoRun-v0"):
        check_env(gymnasium.make(env_id, render_mode="rgb_array").unwrapped, skip_render_check=False)


def test_gymnasium_check_environments_match_registered_and_direct() -> None:
    check_environments_match(
        gymnasium.make("captainred/Dogfight1v1-v0"), CaptainRedEnv("dogfight-1v1"), num_steps=300, seed=11
    )


# ------------------------------------------------------------------------------------------- seeding


def _play(batch: BattleBatch, seed: int, steps: int) -> list[str]:
    """Step a batch with the fixed pilot, restarting battles as they end; one digest per battle slot."""
    batch.reset(seed=seed)
    hashes = [hashlib.sha256() for _ in range(batch.n_battles)]
    buf = batch.buffers["air_command"]
    for _ in range(steps):
        batch.step(_pursuit(buf.observation))
        for b in range(batch.n_battles):
            hashes[b].update(buf.observation[b].tobytes())
            hashes[b].update(buf.reward[b].tobytes())
            hashes[b].update(buf.terminated[b].tobytes() + buf.truncated[b].tobytes())
        batch.reset_battles(np.flatnonzero(batch.over))
    return [h.hexdigest() for h in hashes]


@pytest.mark.slow
def test_1000_steps_are_the_same_in_batches_of_1_7_and_64() -> None:
    seed = 2024
    scenario = learning_scenario("dogfight-2v2")
    seven = _play(BattleBatch(scenario, n_battles=7), seed, 1000)
    sixty_four = _play(BattleBatch(scenario, n_battles=64), seed, 1000)
    assert sixty_four[:7] == seven
    # Alone, a battle reset with the seed battle i was given in the batch plays what battle i played,
    # episode after episode (each slot's later episodes have seeds spawned from its first).
    seeds = BattleBatch(scenario, n_battles=7).battle_seeds(seed)
    for i in (0, 3, 6):
        assert _play(BattleBatch(scenario, n_battles=1), seeds[i], 1000) == [seven[i]]
    assert len(set(seven)) == 7  # the battles differ from each other


@pytest.mark.slow
def test_a_batch_plays_the_same_on_one_thread_and_on_two(monkeypatch: pytest.MonkeyPatch) -> None:
    """The observation's searches spread the battles over threads in a large batch, as the engine's kernels
    do; forced to here, one thread and two give the same observations, rewards and ends, step for step."""
    scenario = learning_scenario("dogfight-2v2")
    played = []
    for count in (1, 2):
        with on_threads(count, monkeypatch):
            played.append(_play(BattleBatch(scenario, n_battles=9), 77, 300))
    assert played[0] == played[1]


def test_the_compiled_command_reads_the_action_columns_in_their_order() -> None:
    from captainred.rl.commands import ACTION_COLUMNS

    assert list(ACTION_COLUMNS) == list(ACTIONS) and list(ACTION_COLUMNS.values()) == list(range(len(ACTIONS)))


def test_the_gunsight_is_the_observed_enemy_nearest_the_nose() -> None:
    """Each agent's gunsight, as the observation's search finds it, against the rule worked out over every
    pair: of the K nearest enemies in the air (the earlier row of equals), the one with the greatest cosine
    off her nose (the nearer of equals); none for an agent not in the air or with no enemy up."""
    batch = BattleBatch("melee-16v16", n_battles=3, control="all", k_nearest=3)
    batch.reset(seed=5)
    rng = np.random.default_rng(5)
    w = batch.world
    checked = 0
    for _ in range(40):
        batch.step({name: rng.uniform(-1, 1, buf.action.shape) for name, buf in batch.buffers.items()})
        for g in batch.groups:
            rows = batch._rows[g.name]
            aims = batch._aim[g.name]
            for b in range(batch.n_battles):
                enemies = w.row_start[b] + g.enemy_local
                up = enemies[w.status[enemies] == int(Status.AIRBORNE)]
                for i, r in enumerate(rows[b].tolist()):
                    if w.status[r] != int(Status.AIRBORNE) or batch._gone[g.name][b, i] or batch.over[b]:
                        continue
                    d2 = (w.x_m[up] - w.x_m[r]) ** 2 + (w.y_m[up] - w.y_m[r]) ** 2 + (w.z_m[up] - w.z_m[r]) ** 2
                    nearest = up[np.argsort(d2, kind="stable")[: batch.k_nearest]]
                    if not len(nearest):
                        assert aims[b, i] == -1
                        continue
                    dx, dy, dz = w.x_m[nearest] - w.x_m[r], w.y_m[nearest] - w.y_m[r], w.z_m[nearest] - w.z_m[r]
                    dist = np.maximum(np.sqrt(dx * dx + dy * dy + dz * dz), 1e-6)
                    sp, cp, cg, sg = (
                        f(a)
                        for f, a in (
                            (np.sin, w.heading_rad[r]),
                            (np.cos, w.heading_rad[r]),
                            (np.cos, w.gamma_rad[r]),
                            (np.sin, w.gamma_rad[r]),
                        )
                    )
                    cos_off = (dx * cg * sp + dy * cg * cp + dz * sg) / dist
                    assert aims[b, i] == nearest[int(np.argmax(cos_off))], (g.name, b, i)
                    checked += 1
    assert checked > 500


def test_reset_with_a_seed_reproduces_an_episode_bit_for_bit_and_another_seed_differs() -> None:
    def run(seed: int) -> bytes:
        e = CaptainRedEnv("dogfight-1v1", action_type="continuous")
        obs, _ = e.reset(seed=seed)
        out = [obs.tobytes()]
        for _ in range(200):
            obs, r, term, trunc, _ = e.step(_pursuit(obs).astype(np.float32))
            out.append(obs.tobytes() + np.float64(r).tobytes())
            if term or trunc:
                break
        return b"".join(out)

    assert run(5) == run(5)
    assert run(5) != run(6)


def test_the_vector_env_plays_what_single_envs_play_with_the_spawned_seeds() -> None:
    for mode in (AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP):
        vec = CaptainRedVectorEnv(3, "dogfight-1v1", max_steps=40, autoreset_mode=mode)
        seeds = vec.core.battle_seeds(9)
        ref = SyncVectorEnv(
            [lambda: CaptainRedEnv("dogfight-1v1", max_steps=40) for _ in range(3)], autoreset_mode=mode
        )
        obs_a, _ = vec.reset(seed=9)
        obs_b, _ = ref.reset(seed=seeds)
        np.testing.assert_array_equal(obs_a, obs_b)
        rng = np.random.default_rng(0)
        ended = 0
        for _ in range(100):
            actions = vec.action_space.sample() if False else rng.integers(0, [5, 5, 3, 2, 2, 2], size=(3, 6))
            a = vec.step(actions)
            b = ref.step(actions)
            for x, y in zip(a[:4], b[:4], strict=True):
                np.testing.assert_array_equal(x, y)
            ended += int(a[2].sum() + a[3].sum())
            if mode == AutoresetMode.SAME_STEP and (a[2] | a[3]).any():
                np.testing.assert_array_equal(
                    np.stack(a[4]["final_obs"][a[4]["_final_obs"]]), np.stack(b[4]["final_obs"][b[4]["_final_obs"]])
                )
        assert ended >= 6  # every slot ended at least two episodes (truncated at 40 steps)


# -------------------------------------------------------------------------------- episodes and agents


def test_a_pilot_who_dives_into_the_sea_leaves_agents_in_the_step_she_is_lost() -> None:
    e = CaptainRedParallelEnv("dogfight-2v2", action_type="continuous")
    e.reset(seed=1)
    dive = np.array([0.0, -1.0, 1.0, -1.0, -1.0, -1.0], np.float32)
    level = np.array([0.0, 0.0, 0.0, -1.0, -1.0, -1.0], np.float32)
    for _ in range(400):
        actions = {a: (dive if a == "slayer_1" else level) for a in e.agents}
        _, rewards, terms, truncs, _ = e.step(actions)
        if terms.get("slayer_1"):
            break
    assert terms["slayer_1"] and not truncs["slayer_1"]
    assert rewards["slayer_1"] <= -1.0
    assert "slayer_1" not in e.agents and "slayer_2" in e.agents
    assert e.core.world.status[e.core.world.row_start[0]] == Status.LOST


def test_the_episode_is_truncated_at_its_step_limit_and_every_agent_leaves() -> None:
    e = CaptainRedParallelEnv("dogfight-2v2", max_steps=25, action_type="continuous")
    e.reset(seed=3)
    level = np.zeros(len(ACTIONS), np.float32)
    for step in range(25):  # noqa: B007 (read after the loop)
        _, _, terms, truncs, infos = e.step({a: level for a in e.agents})
    assert step == 24 and e.agents == []
    assert all(truncs.values()) and not any(terms.values())
    assert all("outcome" in i for i in infos.values())
    with pytest.raises(RLError, match="every agent is done"):
        e.step({})


def test_the_scenario_time_limit_truncates_too() -> None:
    base = learning_scenario("dogfight-1v1")
    timing = base.resolved.scenario.timing.model_copy(update={"duration_s": 3.0})
    resolved = base.resolved.model_copy(
        update={"scenario": base.resolved.scenario.model_copy(update={"timing": timing})}
    )
    short = LearningScenario(**{**base.__dict__, "resolved": resolved})
    e = CaptainRedEnv(short, action_type="continuous")
    e.reset(seed=0)
    for step in range(100):  # noqa: B007 (read after the loop)
        _, _, term, trunc, _ = e.step(np.zeros(len(ACTIONS), np.float32))
        if term or trunc:
            break
    assert trunc and not term and step == 14  # 3 s of 0.2 s ticks


def test_a_win_ends_the_episode_terminated_with_the_outcome() -> None:
    batch = BattleBatch("dogfight-1v1", n_battles=8)
    batch.reset(seed=4)
    batch.autopilot = True  # the Slayer's doctrine wins this one in a minute or so
    buf = batch.buffers["air_command"]
    terminated = np.zeros(8, bool)
    truncated = np.zeros(8, bool)
    while not batch.over.all():
        was_over = batch.over.copy()
        batch.step(np.zeros((8, 1, len(ACTIONS))))
        ending = batch.over & ~was_over  # the flags are this step's: read them in the step a battle ends
        terminated[ending] = buf.terminated[ending, 0]
        truncated[ending] = buf.truncated[ending, 0]
    won = buf.outcome == 1
    assert won.sum() >= 6
    assert terminated[won].all() and not truncated[won].any()
    assert (batch.steps[won] < 600).all()


def test_empty_guns_and_rockets_are_masked() -> None:
    e = CaptainRedParallelEnv("dogfight-2v2")
    _, infos = e.reset(seed=2)
    assert infos["slayer_1"]["action_mask"][CANNON].tolist() == [1, 1]
    assert infos["slayer_1"]["action_mask"][ROCKETS].tolist() == [1, 1]
    w = e.core.world
    row = int(w.row_start[0])
    w.rounds[row] = 0
    w.rockets[row] = 0
    _, _, _, _, infos = e.step({a: np.array([2, 2, 1, 0, 0, 0]) for a in e.agents})
    assert infos["slayer_1"]["action_mask"][CANNON].tolist() == [1, 0]
    assert infos["slayer_1"]["action_mask"][ROCKETS].tolist() == [1, 0]
    assert infos["slayer_2"]["action_mask"][CANNON].tolist() == [1, 1]
    core_mask = e.core.buffers["air_command"].action_mask[0, 0]
    assert not core_mask[CANNON] and not core_mask[ROCKETS] and core_mask[TURN]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.booleans(), min_size=len(ACTIONS), max_size=len(ACTIONS)), min_size=1, max_size=40))
def test_the_masks_of_many_agents_at_once_are_each_agents_mask(flags: list[list[bool]]) -> None:
    usable = np.array(flags, dtype=bool)
    for j, mask in enumerate(ActionForm("discrete").masks(usable)):
        assert len(mask) == len(LEVELS)
        for k, levels in enumerate(LEVELS):
            if k in (CANNON, ROCKETS, HOME):  # a trigger: off always allowed, on only when it does something
                expected = [1, int(usable[j, k])]
            elif usable[j, k]:
                expected = [1] * levels
            else:  # a control that does nothing now allows only its neutral setting
                expected = [int(level == levels // 2) for level in range(levels)]
            assert mask[k].dtype == np.int8 and mask[k].tolist() == expected
    continuous = ActionForm("continuous").masks(usable)
    assert [m.tolist() for m in continuous] == flags
    usable[:] = ~usable  # the masks are copies, not the flags themselves
    assert [m.tolist() for m in continuous] == flags


def test_observations_are_float32_in_range_and_spaces_are_cached() -> None:
    e = CaptainRedParallelEnv("photo-run")
    obs, _ = e.reset(seed=0)
    assert e.observation_space("devil_1") is e.observation_space("devil_1")
    assert e.action_space("devil_2") is e.action_space("devil_2")
    for _ in range(50):
        obs, *_ = e.step({a: e.action_space(a).sample() for a in e.agents})
        for o in obs.values():
            assert o.dtype == np.float32 and o.shape == (e.core.obs_size,)
            assert np.all(o >= -1.0) and np.all(o <= 1.0)
    assert len(observation_names(4)) == e.core.obs_size


def test_the_full_manhattan_recon_with_one_squadron_under_control() -> None:
    e = CaptainRedParallelEnv("manhattan-recon", control="slayers")
    _, infos = e.reset(seed=7)
    assert e.agents == [f"slayer_{k}" for k in range(1, 9)]
    assert infos["slayer_1"]["action_mask"][TURN].tolist() == [0, 0, 1, 0, 0]  # on deck: nothing to fly
    for _ in range(3):
        e.step({a: np.array([2, 2, 1, 0, 0, 0]) for a in e.agents})
    assert len(e.agents) == 8


def test_rgb_array_renders_a_top_view_headless() -> None:
    e = CaptainRedEnv("dogfight-1v1", render_mode="rgb_array")
    e.reset(seed=0)
    image = e.render()
    assert image is not None and image.dtype == np.uint8 and image.shape == (256, 256, 3)
    assert (image == [245, 245, 235]).all(axis=2).any()  # the Slayer is drawn
    assert (image == [80, 170, 255]).all(axis=2).any()  # and the LGF


def test_an_episode_is_written_as_a_replay_the_viewer_reads(tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "dogfight.crr"
    batch = BattleBatch("dogfight-1v1", n_battles=2)
    batch.reset(seed=5)
    with path.open("wb") as f:
        batch.record(ReplayWriter(f), battle=1)
        batch.autopilot = True
        while not batch.over[1]:
            batch.step(np.zeros((2, 1, len(ACTIONS))))
    replay = read_replay(path)
    assert replay.header["scenario"] == "dogfight-1v1"
    assert replay.header["seed"] == int(batch.world.seed[1])
    kinds = [e[2] for e in replay.events()]
    assert kinds[0] == "launch" and "kill" in kinds
    assert replay.end["reason"] == "rl: no enemy left"
    assert replay.end["digest"] == batch.world.logs[1].digest()
    assert len(replay.frames) > 10


# ------------------------------------------------------------------------------------- bad arguments


def test_bad_arguments_get_one_clear_error() -> None:
    with pytest.raises(RLError, match=r"unknown squadron or side 'spitfires'.*known: slayers"):
        BattleBatch("dogfight-1v1", control="spitfires")
    with pytest.raises(RLError, match="K must be a whole number >= 1"):
        BattleBatch("dogfight-1v1", k_nearest=0)
    with pytest.raises(RLError, match="unknown term 'kils'"):
        BattleBatch("dogfight-1v1", rewards={"kils": 1.0})
    batch = BattleBatch("dogfight-1v1", n_battles=2)
    batch.reset(seed=0)
    with pytest.raises(RLError, match=r"expected shape \(2, 1, 6\), got \(2, 6\)"):
        batch.step(np.zeros((2, 6)))
    bad = np.zeros((2, 1, 6))
    bad[1, 0, 2] = np.nan
    with pytest.raises(RLError, match=r"NaN at \(1, 0, 2\)"):
        batch.step(bad)
    e = CaptainRedParallelEnv("dogfight-2v2")
    e.reset(seed=0)
    with pytest.raises(RLError, match="expected 6 controls"):
        e.step({a: np.zeros(4, np.int64) for a in e.agents})
    with pytest.raises(RLError, match="unknown agent 'slayer_9'"):
        e.step({"slayer_9": np.zeros(6, np.int64)})
    with pytest.raises(RLError, match="whole settings"):
        e.step({a: np.full(6, np.nan) for a in e.agents})
    c = CaptainRedEnv("dogfight-1v1", action_type="continuous")
    c.reset(seed=0)
    with pytest.raises(RLError, match="NaN"):
        c.step(np.full(6, np.nan, np.float32))
    with pytest.raises(RLError, match="one side"):
        CaptainRedEnv("dogfight-2v2", control="all")
    with pytest.raises(RLError, match="action_type"):
        CaptainRedEnv("dogfight-1v1", action_type="joystick")


def test_every_learning_scenario_builds_and_steps() -> None:
    for name in LEARNING_SCENARIOS:
        batch = BattleBatch(name, n_battles=2)
        obs = batch.reset(seed=1)
        for _ in range(5):
            batch.step({g: np.zeros(b.action.shape) for g, b in batch.buffers.items()})
        assert all(o.dtype == np.float32 for o in obs.values())


# ---------------------------------------------------------------------------------------- training


def test_ppo_trains_a_few_hundred_steps_on_the_batched_core() -> None:
    import torch
    from stable_baselines3 import PPO

    from captainred.rl.sb3 import BatchVecEnv

    torch.set_num_threads(1)
    venv = BatchVecEnv(8, scenario="dogfight-1v1", max_steps=30)
    model = PPO("MlpPolicy", venv, n_steps=32, batch_size=64, n_epochs=1, seed=0, device="cpu")
    before = [p.detach().clone() for p in model.policy.parameters()]
    model.learn(total_timesteps=512)
    assert model.num_timesteps >= 512
    assert len(venv.finished) >= 8  # episodes ended (at 30 steps) and were restarted in place
    assert any(not torch.equal(a, b) for a, b in zip(before, model.policy.parameters(), strict=True))


def test_the_rl_benchmark_runs_on_a_tiny_batch() -> None:
    bench = load_script("bench_rl")
    core = bench.bench_core(battles=2, steps=2)
    assert core["agents_per_step"] == 64 and core["agent_steps_per_s"] > 0
    assert bench.bench_pettingzoo(steps=2)["agent_steps_per_s"] > 0


def test_photos_brought_home_are_rewarded_when_she_is_recovered() -> None:
    batch = BattleBatch("photo-run", n_battles=1)
    batch.reset(seed=8)
    w = batch.world
    camera_row = int(w.row_start[0]) + 1  # devil_2 flies the camera
    w.photos[camera_row] = 4
    home = np.zeros((1, 2, len(ACTIONS)))
    home[..., HOME] = 1.0  # both turn for home at once; their doctrine flies them back to the deck
    buf = batch.buffers["air_command"]
    rewards = np.zeros(2)
    recovered_reward = None
    for _ in range(5000):
        batch.step(home)
        rewards += buf.reward[0]
        if buf.terminated[0, 1] and w.status[camera_row] == Status.RETURNED:
            recovered_reward = float(buf.reward[0, 1])
        if batch.over[0]:
            break
    assert recovered_reward is not None
    fuel = w.fuel_kg[camera_row] / 3600.0
    assert recovered_reward == pytest.approx(2.0 * 4 / 8 + 0.2 * fuel, rel=1e-5)
    assert buf.outcome[0] != -1  # home is not lost


def test_the_engine_checks_hold_on_a_self_play_batch_restarted_in_place() -> None:
    from captainred.engine.checks import check_step, check_world, launched_since, snapshot

    rng = np.random.default_rng(1)
    batch = BattleBatch("dogfight-2v2", n_battles=5, control="all", max_steps=60)
    batch.reset(seed=2)
    check_world(batch.world)
    for _ in range(200):
        before, lengths = snapshot(batch.world), [len(log) for log in batch.world.logs]
        batch.step({g: rng.uniform(-1, 1, b.action.shape) for g, b in batch.buffers.items()})
        check_world(batch.world)
        check_step(before, snapshot(batch.world), launched_since(batch.world, lengths))
        batch.reset_battles(np.flatnonzero(batch.over))
        check_world(batch.world)
    assert (batch.episodes >= 3).all()


def test_a_pettingzoo_episode_recorded_to_a_path_is_closed_and_readable_when_it_ends(tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "two.crr"
    e = CaptainRedParallelEnv("dogfight-2v2", max_steps=40)
    e.reset(seed=3)
    e.record_replay(path)
    while e.agents:
        e.step({a: np.array([2, 2, 1, 1, 1, 0]) for a in e.agents})
    replay = read_replay(path)
    assert replay.end["reason"] == "rl: time" and replay.end["digest"] == e.core.world.logs[0].digest()
    with pytest.raises(RLError, match="straight after a reset"):
        e.record_replay(path)
