"""Grading one submission: the claim, the declarations, the steps, the required lines."""

from __future__ import annotations

import pytest

from rnnproof.grading import grade_text, parse_assignment

from .kit import COURSE, GOOD, HEAD, SIGMOID_ASSIGNMENT, SUBMISSIONS

ASG = parse_assignment(SIGMOID_ASSIGNMENT, path="sigmoid.rnnp")


def grade(text, asg=ASG, name="sub.rnnp"):
    return grade_text(asg, text, name, seed=0, time_limit=60)


def test_a_correct_chain_passes_with_every_count():
    r = grade(GOOD)
    assert (r["grade"], r["verdict"], r["claim"], r["problems"]) == ("pass", "proved", "assigned", [])
    assert (r["proved"], r["refuted"], r["steps"]) == (3, 0, 3)
    assert r["first_failing_step"] is None and "=> proved: 3 proved" in r["feedback"]


def test_claim_written_the_other_way_round_is_the_assigned_claim():
    r = grade(SUBMISSIONS["good_swapped.rnnp"])
    assert (r["grade"], r["claim"]) == ("pass", "assigned"), r["problems"]


def test_a_refuted_step_fails_and_names_the_first_failing_step_and_line():
    r = grade(SUBMISSIONS["slip.rnnp"])
    assert r["grade"] == "fail" and r["verdict"] == "refuted"
    assert (r["first_failing_step"], r["first_failing_line"]) == (3, 8)
    assert r["claim"] == "assigned"
    assert any(p.startswith("step 3 (line 8) is refuted") for p in r["problems"]), r["problems"]
    assert ">> 3. [line 8]" in r["feedback"]


def test_a_missing_required_line_is_named():
    r = grade(SUBMISSIONS["missing_step.rnnp"])
    assert r["grade"] == "fail" and r["verdict"] == "proved"
    assert r["problems"] == ["missing required step: sigma(x) - sigma(x)**2 (assignment line 7)"]


def test_a_required_line_matches_after_defs_are_expanded_but_not_by_equality_alone():
    expanded = GOOD.replace("= sigma(x) - sigma(x)**2", "= 1/(1 + exp(-x)) - 1/(1 + exp(-x))**2")
    assert grade(expanded)["grade"] == "pass"
    # equal to the required line but not the same expression: sigma - sigma^2 written as sigma(1 - sigma)
    # is every line of a correct chain, so it cannot count
    equal_only = GOOD.replace("= sigma(x) - sigma(x)**2", "= sigma(x)*(1 - sigma(x))")
    r = grade(equal_only)
    assert r["grade"] == "fail" and r["problems"][0].startswith("missing required step")


def test_a_true_but_different_claim_fails_with_a_counterexample():
    r = grade(SUBMISSIONS["other_claim.rnnp"])
    assert r["grade"] == "fail" and r["claim"] == "different" and r["verdict"] == "proved"
    assert "is not the assigned one: its left side not equal" in r["problems"][0]
    assert "assigned: diff(sigma(x), x) = sigma(x)*(1 - sigma(x))" in r["problems"][0]


def test_the_claim_is_compared_by_the_checker_not_by_text():
    # written differently, equal as mathematics: the assigned claim
    same = GOOD.replace("claim: diff(sigma(x), x) = sigma(x)*(1 - sigma(x))",
                        "claim: diff(sigma(x), x) = sigma(x) - sigma(x)**2")
    r = grade(same)
    assert r["claim"] == "assigned", r["problems"]
    # textually identical, but sigma means something else here: not the assigned claim
    other = GOOD.replace("def sigma(x) = 1/(1 + exp(-x))", "def sigma(x) = 1/(1 + exp(x))")
    r = grade(other)
    assert r["claim"] == "different" and r["grade"] == "fail"


def test_a_relation_other_than_the_assigned_one_fails():
    r = grade(HEAD + "claim: diff(sigma(x), x) <= 1/4\nproof:\n    diff(sigma(x), x)\n  = sigma(x) - sigma(x)**2\n"
                     "  <= 1/4\n")
    assert r["grade"] == "fail" and any("uses '<='" in p for p in r["problems"])


def test_declarations_must_agree():
    r = grade(SUBMISSIONS["positive_x.rnnp"])
    assert r["grade"] == "fail"
    assert r["problems"][0] == "x is declared as positive (line 1); the assignment declares real (line 3)"
    r = grade(GOOD.replace("let x: real", "let x: real in (-2, 2)"))
    assert "in (-2.0, 2.0)" in r["problems"][0]


def test_no_proof_and_no_claim_are_named():
    r = grade(HEAD + "claim: diff(sigma(x), x) = sigma(x)*(1 - sigma(x))\n")
    assert r["grade"] == "fail" and any(p.startswith("no proof") for p in r["problems"])
    r = grade(HEAD + "proof:\n    diff(sigma(x), x)\n  = sigma(x) - sigma(x)**2\n")
    assert r["grade"] == "fail" and any(p.startswith("no claim") for p in r["problems"])


@pytest.mark.parametrize("text, kind, where", [
    (SUBMISSIONS["malformed.rnnp"], "malformed", "sub.rnnp:3:"),
    (HEAD + "claim: x = x.__class__\n", "malformed", "sub.rnnp:3:"),
    (HEAD + "claim: x**100000 = x\n", "limit", "sub.rnnp:3:"),
    ("", "malformed", "sub.rnnp:1:1"),
])
def test_bad_input_is_an_error_result_never_an_exception(text, kind, where):
    r = grade(text)
    assert (r["grade"], r["error_kind"]) == ("error", kind) and r["error"].startswith(where), r["error"]


def test_accept_proved_rejects_numerically_confirmed_steps():
    text = (COURSE / "assignment.rnnp").read_text().replace("accept: proved, confirmed", "accept: proved")
    strict = parse_assignment(text, path="strict.rnnp")
    r = grade((COURSE / "submissions" / "s02_correct_short.rnnp").read_text(), asg=strict)
    assert r["grade"] == "fail" and r["verdict"] == "numerically confirmed"
    assert r["first_failing_step"] == 1 and r["first_failing_line"] == 15
    assert r["problems"][0] == ("step 1 (line 15) is only numerically confirmed; this assignment accepts: proved")
