/* nodes.c: a C extension type done the modern way (chapter 11).
 *
 *   - multi-phase initialisation (PEP 489): PyInit_nodes returns the module *definition*; the
 *     interpreter creates the module and runs its Py_mod_exec slot, once per interpreter;
 *   - a heap type made from a PyType_Spec (PyType_FromModuleAndSpec), not a static PyTypeObject;
 *   - module state instead of C globals: the type and a count of live nodes;
 *   - the cyclic GC supported: tp_traverse, tp_clear, and a tp_dealloc that untracks first;
 *   - the Py_mod_multiple_interpreters (3.12+) and Py_mod_gil (3.13+) slots.
 *
 * A Node holds a value and a `next` node: `a.next = b; b.next = a` is a reference cycle that
 * only the cyclic GC can free. Its PyO3 twin is ../hello-pyo3/src/nodes.rs.
 *
 * -DNODES_FORGET_NEXT builds a broken twin whose tp_traverse does not visit `next`; the tests
 * use it to show that the cycle test can fail (the GC then never frees such a cycle), and
 * -DNODES_LEAK_VALUE one whose tp_clear forgets to release `value` (a leak the tests catch).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stddef.h> /* offsetof */

#if PY_VERSION_HEX < 0x030B0000 /* 3.10 has it, under its provisional name */
#define PyType_GetModuleByDef _PyType_GetModuleByDef
#endif
#if PY_VERSION_HEX < 0x030C0000 /* Py_T_OBJECT_EX and Py_READONLY are public since 3.12 */
#include <structmember.h>
#define Py_T_OBJECT_EX T_OBJECT_EX
#define Py_READONLY READONLY
#endif

// ANCHOR: state
/* Everything that would have been a C global lives here, one copy per module object: two
   interpreters (or two imports after `del sys.modules['nodes']`) never share it. */
typedef struct {
    PyTypeObject *Node_type; /* a strong reference: the module keeps its type alive */
    Py_ssize_t live;         /* Nodes created by this module and not yet freed */
} nodes_state;

static struct PyModuleDef nodes_module; /* defined below; the type finds its module by it */

static nodes_state *
state_of_type(PyTypeObject *type)
{
    /* The heap type remembers the module that created it (PyType_FromModuleAndSpec). */
    PyObject *module = PyType_GetModuleByDef(type, &nodes_module);
    return module == NULL ? NULL : (nodes_state *)PyModule_GetState(module);
}
// ANCHOR_END: state

// ANCHOR: object
typedef struct {
    PyObject_HEAD
    PyObject *value; /* never NULL once initialised */
    PyObject *next;  /* None or another object: may close a cycle */
} NodeObject;
// ANCHOR_END: object

// ANCHOR: new
static PyObject *
Node_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"value", "next", NULL};
    PyObject *value, *next = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|O:Node", kwlist, &value, &next)) {
        return NULL;
    }
    nodes_state *state = state_of_type(type);
    if (state == NULL) {
        return NULL;
    }
    NodeObject *self = (NodeObject *)type->tp_alloc(type, 0); /* GC-tracked, refcount 1 */
    if (self == NULL) {
        return NULL;
    }
    self->value = Py_NewRef(value);
    self->next = Py_NewRef(next);
    state->live++;
    return (PyObject *)self;
}
// ANCHOR_END: new

// ANCHOR: gc
/* Report every reference this object owns to the GC, so that it can find cycles through it.
   A heap type's instances also own a reference to their type: visit it too (3.9+). */
static int
Node_traverse(NodeObject *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(self));
    Py_VISIT(self->value);
#ifndef NODES_FORGET_NEXT
    Py_VISIT(self->next);
#endif
    return 0;
}

/* Drop the references that may be part of a cycle; the GC calls this to break one. The
   object must stay valid afterwards (it may still be reachable from a finalizer). */
static int
Node_clear(NodeObject *self)
{
#ifndef NODES_LEAK_VALUE
    Py_CLEAR(self->value);
#endif
    Py_CLEAR(self->next);
    return 0;
}

static void
Node_dealloc(NodeObject *self)
{
    PyTypeObject *type = Py_TYPE(self);
    PyObject_GC_UnTrack(self); /* first: the GC must not see a half-destroyed object */
    nodes_state *state = state_of_type(type);
    if (state != NULL) {
        state->live--;
    }
    else {
        PyErr_Clear(); /* a destructor must not leave an exception set */
    }
    (void)Node_clear(self);
    type->tp_free((PyObject *)self);
    Py_DECREF(type); /* each instance of a heap type holds a reference to it */
}
// ANCHOR_END: gc

static PyObject *
Node_repr(NodeObject *self)
{
    return PyUnicode_FromFormat("Node(%R)", self->value != NULL ? self->value : Py_None);
}

static PyMemberDef Node_members[] = {
    {"value", Py_T_OBJECT_EX, offsetof(NodeObject, value), Py_READONLY, "The node's value."},
    {"next", Py_T_OBJECT_EX, offsetof(NodeObject, next), 0, "The next node, or None."},
    {NULL},
};

// ANCHOR: spec
static PyType_Slot Node_slots[] = {
    {Py_tp_doc, "Node(value, next=None): a linked node that may form reference cycles."},
    {Py_tp_new, Node_new},
    {Py_tp_dealloc, Node_dealloc},
    {Py_tp_traverse, Node_traverse},
    {Py_tp_clear, Node_clear},
    {Py_tp_repr, Node_repr},
    {Py_tp_members, Node_members},
    {0, NULL},
};

static PyType_Spec Node_spec = {
    .name = "nodes.Node",
    .basicsize = sizeof(NodeObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC
             | Py_TPFLAGS_IMMUTABLETYPE, /* like a static type: no monkey-patching Node.x */
    .slots = Node_slots,
};
// ANCHOR_END: spec

static PyObject *
nodes_live(PyObject *module, PyObject *Py_UNUSED(ignored))
{
    return PyLong_FromSsize_t(((nodes_state *)PyModule_GetState(module))->live);
}

static PyMethodDef nodes_methods[] = {
    {"live", nodes_live, METH_NOARGS, "live() -> the number of Nodes not yet freed."},
    {NULL, NULL, 0, NULL},
};

// ANCHOR: module
/* Py_mod_exec: fill in a fresh module object. Runs once per module object created. */
static int
nodes_exec(PyObject *module)
{
    nodes_state *state = PyModule_GetState(module);
    state->live = 0;
    state->Node_type = (PyTypeObject *)PyType_FromModuleAndSpec(module, &Node_spec, NULL);
    if (state->Node_type == NULL) {
        return -1;
    }
    /* PyModule_AddType takes its own reference; the state keeps ours. */
    return PyModule_AddType(module, state->Node_type);
}

/* The module state holds a reference: the GC must see it (the type refers back to the module,
   a cycle) and be able to clear it. */
static int
nodes_traverse(PyObject *module, visitproc visit, void *arg)
{
    nodes_state *state = PyModule_GetState(module);
    Py_VISIT(state->Node_type);
    return 0;
}

static int
nodes_clear(PyObject *module)
{
    nodes_state *state = PyModule_GetState(module);
    Py_CLEAR(state->Node_type);
    return 0;
}

static void
nodes_free(void *module)
{
    (void)nodes_clear((PyObject *)module);
}

static PyModuleDef_Slot nodes_slots[] = {
    {Py_mod_exec, nodes_exec},
#ifdef Py_mod_multiple_interpreters /* 3.12+: no globals, so each interpreter gets its own */
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
#endif
#ifdef Py_mod_gil /* 3.13+: `live--` and the `next` setter are not thread-safe without a GIL */
    {Py_mod_gil, Py_MOD_GIL_USED},
#endif
    {0, NULL},
};

static struct PyModuleDef nodes_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "nodes",
    .m_doc = "A heap type with GC support, made by multi-phase initialisation (chapter 11).",
    .m_size = sizeof(nodes_state), /* allocated and zeroed per module object */
    .m_methods = nodes_methods,
    .m_slots = nodes_slots,
    .m_traverse = nodes_traverse,
    .m_clear = nodes_clear,
    .m_free = nodes_free,
};

PyMODINIT_FUNC
PyInit_nodes(void)
{
    return PyModuleDef_Init(&nodes_module); /* the definition, not a module: multi-phase */
}
// ANCHOR_END: module
