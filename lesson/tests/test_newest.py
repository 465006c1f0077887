"""Chapter 12: the interpreter's newest parts, each version's answer checked."""
import subprocess
import sys
import sysconfig

import newest

PY = sys.version_info[:2]


def test_specialisation_follows_the_types():
    result = newest.specialisation_follows_types()
    if PY < (3, 11):  # no specialising interpreter before 3.11
        assert result == {"available": False}
        return
    assert result["ints"] == ["BINARY_OP_ADD_INT"]
    assert result["then floats"] == ["BINARY_OP_ADD_FLOAT"]
    # The call of a METH_O C function gets its own fast path; its name changes by version.
    expected_call = {(3, 11): ["PRECALL_NO_KW_BUILTIN_O", "CALL_ADAPTIVE"],
                     (3, 12): ["CALL_NO_KW_BUILTIN_O"]}.get(PY, ["CALL_BUILTIN_O"])
    assert result["C call"] == expected_call


def test_zero_cost_exceptions():
    result = newest.zero_cost_exceptions()
    if PY >= (3, 11):  # handlers found through the exception table, no opcode on entry
        assert result == {"setup opcodes": [], "exception table": True}
    else:  # 3.10: SETUP_FINALLY pushes a block on every entry to the try
        assert result == {"setup opcodes": ["SETUP_FINALLY"], "exception table": False}


def test_build_features_agree_with_the_build():
    result = newest.build_features()
    config_args = sysconfig.get_config_var("CONFIG_ARGS") or ""
    assert result["JIT built"] == ("--enable-experimental-jit" in config_args)
    if PY < (3, 13):  # neither free-threading nor the JIT exist before 3.13
        assert result["free-threaded"] is False and result["JIT built"] is False
    if PY < (3, 14):
        assert result["JIT enabled"] is None  # no sys._jit to ask
        assert result["tail-calling interpreter"] is False  # a 3.14 build option
    else:
        assert isinstance(result["JIT enabled"], bool)
        assert result["JIT enabled"] <= result["JIT built"]


def test_script_prints_every_section():
    proc = subprocess.run([sys.executable, newest.__file__], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    for name in newest.SECTIONS:
        assert f"== {name}:" in proc.stdout
