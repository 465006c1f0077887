/* hello.c: the lesson's `hello` extension module, written against CPython's C API.
 *
 * Build by hand (chapter 3 explains every flag):
 *   cc -O2 -fPIC -shared $(python3 -c 'import sysconfig; print("-I" + sysconfig.get_paths()["include"])') \
 *      hello.c -o hello$(python3 -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))')
 * The PyO3 twin of this file is ../hello-pyo3/src/lib.rs.
 */
// ANCHOR: include
#define PY_SSIZE_T_CLEAN /* "s#"-style length arguments are Py_ssize_t, not int */
#include <Python.h>      /* must come before any standard header */
// ANCHOR_END: include
#include <errno.h>
#include <time.h>

// ANCHOR: hello_world
/* METH_NOARGS: CPython calls us with (module, NULL). */
static PyObject *
hello_world(PyObject *module, PyObject *Py_UNUSED(ignored))
{
    /* PyUnicode_FromString returns a NEW reference (or NULL with an exception set);
       we hand that reference straight to our caller. */
    return PyUnicode_FromString("Hello from C!");
}
// ANCHOR_END: hello_world

// ANCHOR: greet
/* METH_VARARGS | METH_KEYWORDS: greet(name) or greet(name="Ada"). */
static PyObject *
greet(PyObject *module, PyObject *args, PyObject *kwargs)
{
    static char *keywords[] = {"name", NULL};
    PyObject *name; /* BORROWED from the args tuple: no DECREF for it */

    /* "U" accepts only str and raises TypeError for anything else. */
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "U:greet", keywords, &name)) {
        return NULL; /* the exception is already set: just propagate NULL */
    }

    /* A method call returns a NEW reference that we now own. */
    PyObject *stripped = PyObject_CallMethod(name, "strip", NULL);
    if (stripped == NULL) {
        return NULL;
    }
    if (PyUnicode_GetLength(stripped) == 0) {
        Py_DECREF(stripped); /* every exit path must release what we own */
        PyErr_SetString(PyExc_ValueError, "name must not be empty");
        return NULL;
    }
    PyObject *greeting = PyUnicode_FromFormat("Hello, %U!", stripped);
    Py_DECREF(stripped);
    return greeting; /* NEW reference, or NULL with the exception set */
}
// ANCHOR_END: greet

// ANCHOR: make_pair
/* make_pair(a, b) -> (a, b): shows a STOLEN reference. */
static PyObject *
make_pair(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2) {
        PyErr_Format(PyExc_TypeError, "make_pair() takes 2 arguments (%zd given)", nargs);
        return NULL;
    }
    PyObject *pair = PyTuple_New(2);
    if (pair == NULL) {
        return NULL;
    }
    /* PyTuple_SET_ITEM steals a reference, but args[i] are borrowed: take our own first.
       Forget the INCREF and the tuple later releases a reference it never owned, so the
       caller's object is freed while still in use (a double free / use-after-free). */
    Py_INCREF(args[0]);
    PyTuple_SET_ITEM(pair, 0, args[0]);
    Py_INCREF(args[1]);
    PyTuple_SET_ITEM(pair, 1, args[1]);
    return pair;
}
// ANCHOR_END: make_pair

// ANCHOR: refcount_of
/* refcount_of(obj) -> the ob_refcnt field, read through the C API. */
static PyObject *
refcount_of(PyObject *module, PyObject *obj)
{
    /* obj is borrowed; its count includes the reference held by the call's argument. */
    return PyLong_FromSsize_t(Py_REFCNT(obj));
}
// ANCHOR_END: refcount_of

// ANCHOR: nap
/* nap(seconds) -> None: sleep like time.sleep, letting other Python threads run meanwhile. */
static PyObject *
nap(PyObject *module, PyObject *arg)
{
    double seconds = PyFloat_AsDouble(arg);
    if (seconds == -1.0 && PyErr_Occurred()) {
        return NULL;
    }
    if (!(seconds >= 0.0 && seconds <= 60.0)) { /* also rejects NaN */
        PyErr_SetString(PyExc_ValueError, "seconds must be between 0 and 60");
        return NULL;
    }
    struct timespec request = {(time_t)seconds, (long)((seconds - (time_t)seconds) * 1e9)};
    struct timespec remaining;
    for (;;) {
        int error;
        Py_BEGIN_ALLOW_THREADS /* detach: no Python object may be touched until the END */
        error = nanosleep(&request, &remaining) == 0 ? 0 : errno;
        Py_END_ALLOW_THREADS   /* attached again: waits for the GIL if another thread has it */
        if (error == 0) {
            break;
        }
        if (error != EINTR) {
            errno = error;
            return PyErr_SetFromErrno(PyExc_OSError);
        }
        if (PyErr_CheckSignals() < 0) { /* a signal arrived: Ctrl-C raises KeyboardInterrupt */
            return NULL;
        }
        request = remaining;
    }
    Py_RETURN_NONE;
}
// ANCHOR_END: nap

// ANCHOR: tables
static PyMethodDef hello_methods[] = {
    {"hello_world", hello_world, METH_NOARGS, "Return the string 'Hello from C!'."},
    {"greet", (PyCFunction)(void (*)(void))greet, METH_VARARGS | METH_KEYWORDS,
     "greet(name) -> 'Hello, <name>!' (surrounding whitespace stripped)."},
    {"make_pair", (PyCFunction)(void (*)(void))make_pair, METH_FASTCALL,
     "make_pair(a, b) -> (a, b)."},
    {"refcount_of", refcount_of, METH_O, "Return obj's reference count as C sees it."},
    {"nap", nap, METH_O, "nap(seconds): sleep without holding the GIL."},
    {NULL, NULL, 0, NULL} /* sentinel */
};

static struct PyModuleDef hello_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "hello",
    .m_doc = "The lesson's hello module, written in C.",
    .m_size = -1, /* single-phase init: no per-interpreter module state */
    .m_methods = hello_methods,
};

/* The only exported symbol. `import hello` dlopen()s hello.cpython-*.so and calls
   PyInit_<name>, so the function name must match the file (and module) name. */
PyMODINIT_FUNC
PyInit_hello(void)
{
    return PyModule_Create(&hello_module);
}
// ANCHOR_END: tables
