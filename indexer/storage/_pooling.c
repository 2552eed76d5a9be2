/* The C twin of indexer.storage.pooling.pool_positions_py: a document's term list (one str a position)
 * grouped by term and added to a pool field's {term: flat postings} dict, one posting a distinct term.
 *
 * Same arguments, same results, same errors as the Python reference (tests/test_pooling.py holds them
 * equal); read that first, this is only its faster form. What makes it cheaper than the Python: no list of
 * positions and no tuple per term. Terms are grouped with a small open-addressing table over the term list
 * itself, and each term's positions are a chain through `next` (the index of its next occurrence), walked
 * once to size the encoding and once to write it straight into the bytes object the pool keeps.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <limits.h>
#include <string.h>

/* One distinct term of the document, in the order terms first occur (the order they are pooled). */
typedef struct {
    PyObject *term;   /* a reference of our own: nothing run meanwhile can free it */
    Py_hash_t hash;
    Py_ssize_t first; /* index in the term list of its first occurrence */
    Py_ssize_t last;  /* ... and of its last one, where the chain grows */
    Py_ssize_t count;
} Slot;

/* The grouping of one call; freed by group_free whatever happened. */
typedef struct {
    Slot *slots;
    Py_ssize_t nslots;
    Py_ssize_t *next;  /* per position: the next position of the same term, or -1 */
    Py_ssize_t *table; /* open addressing, linear probing: a slot index, or -1 when empty */
    size_t mask;
} Grouping;

static void
group_free(Grouping *g)
{
    for (Py_ssize_t i = 0; i < g->nslots; i++) {
        Py_DECREF(g->slots[i].term);
    }
    PyMem_Free(g->slots);
    PyMem_Free(g->next);
    PyMem_Free(g->table);
}

/* Group the positions of `terms` by term (as a dict keyed by the terms would: equal str, one slot).
 * 0, or -1 with an exception set. */
static int
group_terms(Grouping *g, PyObject *terms)
{
    Py_ssize_t n = PyList_GET_SIZE(terms);
    size_t capacity = 8;
    /* At most half full, so a probe ends soon; the loop stops before size_t could overflow. */
    while (capacity < (size_t)n * 2 && capacity <= ((size_t)PY_SSIZE_T_MAX / sizeof(Py_ssize_t)) / 2) {
        capacity *= 2;
    }
    g->slots = PyMem_New(Slot, n);
    g->next = PyMem_New(Py_ssize_t, n);
    g->table = PyMem_New(Py_ssize_t, capacity);
    if ((n && (g->slots == NULL || g->next == NULL)) || g->table == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    memset(g->table, 0xff, capacity * sizeof(Py_ssize_t)); /* every entry -1 */
    g->mask = capacity - 1;
    for (Py_ssize_t i = 0; i < n; i++) {
        /* The list may not be changed under us (no Python code runs while grouping: str hashing and
         * comparison are C), but its length is read each time all the same. */
        if (i >= PyList_GET_SIZE(terms)) {
            PyErr_SetString(PyExc_RuntimeError, "the term list changed while it was pooled");
            return -1;
        }
        PyObject *term = PyList_GET_ITEM(terms, i);
        if (!PyUnicode_CheckExact(term)) {
            PyErr_Format(PyExc_TypeError, "a term list holds str, not %.100s", Py_TYPE(term)->tp_name);
            return -1;
        }
        Py_hash_t hash = PyObject_Hash(term); /* cached in the str after its first time */
        if (hash == -1) {
            return -1;
        }
        size_t at = (size_t)hash & g->mask;
        Slot *slot = NULL;
        while (g->table[at] != -1) {
            Slot *held = &g->slots[g->table[at]];
            if (held->hash == hash) {
                int same = held->term == term ? 1 : PyObject_RichCompareBool(held->term, term, Py_EQ);
                if (same < 0) {
                    return -1;
                }
                if (same) {
                    slot = held;
                    break;
                }
            }
            at = (at + 1) & g->mask;
        }
        g->next[i] = -1;
        if (slot == NULL) {
            g->table[at] = g->nslots;
            slot = &g->slots[g->nslots++];
            Py_INCREF(term);
            slot->term = term;
            slot->hash = hash;
            slot->first = slot->last = i;
            slot->count = 1;
        }
        else {
            g->next[slot->last] = i;
            slot->last = i;
            slot->count++;
        }
    }
    return 0;
}

/* A slot's positions in CompactPositions' encoding (indexer.storage.schema.encode_positions): a type byte,
 * then the deltas as 1, 2 or 4-byte unsigned ints in native order, as `array("B"/"H"/"I")` writes them. */
static PyObject *
encode_positions(const Grouping *g, const Slot *slot, Py_ssize_t start_pos)
{
    Py_ssize_t top = 0, previous = 0;
    for (Py_ssize_t at = slot->first; at != -1; at = g->next[at]) {
        Py_ssize_t delta = start_pos + at - previous;
        if (delta > top) {
            top = delta;
        }
        previous = start_pos + at;
    }
    size_t width;
    char code;
    if (top < (1 << 8)) {
        width = 1, code = 0;
    }
    else if (top < (1 << 16)) {
        width = sizeof(unsigned short), code = 1;
    }
    else if ((unsigned long long)top <= UINT_MAX) {
        width = sizeof(unsigned int), code = 2;
    }
    else {
        PyErr_SetString(PyExc_OverflowError, "unsigned int is greater than maximum");
        return NULL;
    }
    if ((size_t)slot->count > ((size_t)PY_SSIZE_T_MAX - 1) / width) {
        return PyErr_NoMemory();
    }
    PyObject *value = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(1 + slot->count * width));
    if (value == NULL) {
        return NULL;
    }
    char *out = PyBytes_AS_STRING(value);
    *out++ = code;
    previous = 0;
    for (Py_ssize_t at = slot->first; at != -1; at = g->next[at]) {
        Py_ssize_t delta = start_pos + at - previous;
        previous = start_pos + at;
        if (code == 0) {
            *out++ = (char)(unsigned char)delta;
        }
        else if (code == 1) {
            unsigned short d = (unsigned short)delta;
            memcpy(out, &d, sizeof d); /* memcpy: `out` is not aligned */
            out += sizeof d;
        }
        else {
            unsigned int d = (unsigned int)delta;
            memcpy(out, &d, sizeof d);
            out += sizeof d;
        }
    }
    return value;
}

/* The UTF-8 length of a str, or -1 with pooling.utf8's ValueError when it holds an unpaired surrogate.
 * Counted rather than encoded: PyUnicode_AsUTF8AndSize would keep a UTF-8 copy inside every pooled str. */
static Py_ssize_t
utf8_length(PyObject *fieldname, PyObject *term)
{
#if PY_VERSION_HEX < 0x030C0000
    if (PyUnicode_READY(term) < 0) { /* a legacy str made by a deprecated API (gone in 3.12) */
        return -1;
    }
#endif
    if (PyUnicode_IS_ASCII(term)) {
        return PyUnicode_GET_LENGTH(term);
    }
    int kind = PyUnicode_KIND(term);
    const void *data = PyUnicode_DATA(term);
    Py_ssize_t length = 0;
    for (Py_ssize_t i = 0, n = PyUnicode_GET_LENGTH(term); i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (c >= 0xD800 && c <= 0xDFFF) {
            char hex[16]; /* at most "10FFFF" and a NUL: snprintf is bounded anyway */
            snprintf(hex, sizeof hex, "%04X", (unsigned int)c);
            PyErr_Format(PyExc_ValueError, "field %R holds an unpaired surrogate (U+%s)", fieldname, hex);
            return -1;
        }
        length += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
    }
    return length;
}

/* Add one posting [docnum, weight, value] to the term's list in `held` (a new list for a new term, whose
 * UTF-8 length is added to *new_bytes). Steals `weight` and `value`. 0, or -1 with an exception set. */
static int
pool_one(PyObject *held, PyObject *fieldname, PyObject *term, PyObject *docnum, PyObject *weight,
         PyObject *value, Py_ssize_t *new_terms, Py_ssize_t *new_bytes)
{
    int result = -1;
    PyObject *postings = PyDict_GetItemWithError(held, term); /* borrowed */
    if (postings == NULL) {
        if (PyErr_Occurred()) {
            goto done;
        }
        Py_ssize_t length = utf8_length(fieldname, term);
        if (length < 0) {
            goto done;
        }
        postings = PyList_New(3);
        if (postings == NULL) {
            goto done;
        }
        Py_INCREF(docnum);
        PyList_SET_ITEM(postings, 0, docnum);
        PyList_SET_ITEM(postings, 1, weight); /* the list takes our references */
        PyList_SET_ITEM(postings, 2, value);
        weight = value = NULL;
        result = PyDict_SetItem(held, term, postings);
        Py_DECREF(postings);
        if (result == 0) {
            ++*new_terms;
            *new_bytes += length;
        }
        goto done;
    }
    if (!PyList_CheckExact(postings)) {
        PyErr_Format(PyExc_TypeError, "a pool's postings are a list, not %.100s", Py_TYPE(postings)->tp_name);
        goto done;
    }
    Py_INCREF(postings); /* an append may collect garbage, and a finalizer could drop it from `held` */
    result = (PyList_Append(postings, docnum) < 0 || PyList_Append(postings, weight) < 0
              || PyList_Append(postings, value) < 0) ? -1 : 0;
    Py_DECREF(postings);
done:
    Py_XDECREF(weight);
    Py_XDECREF(value);
    return result;
}

PyDoc_STRVAR(pool_positions_doc,
"pool_positions(held, fieldname, docnum, terms, start_pos, field_boost, boost, one_position)\n"
"--\n\n"
"indexer.storage.pooling.pool_positions_py in C: (postings added, new terms, UTF-8 bytes of the new terms).");

static PyObject *
pool_positions(PyObject *Py_UNUSED(module), PyObject *args)
{
    PyObject *held, *fieldname, *docnum, *terms, *one_position;
    Py_ssize_t start_pos;
    double field_boost, boost;
    if (!PyArg_ParseTuple(args, "O!UOO!nddO!:pool_positions", &PyDict_Type, &held, &fieldname, &docnum,
                          &PyList_Type, &terms, &start_pos, &field_boost, &boost, &PyList_Type,
                          &one_position)) {
        return NULL;
    }
    Py_ssize_t n = PyList_GET_SIZE(terms);
    if (start_pos < 0 || (unsigned long long)start_pos + (unsigned long long)n > (unsigned long long)UINT_MAX + 1) {
        PyErr_SetString(PyExc_OverflowError, "positions must be in 0..2**32-1");
        return NULL;
    }
    Grouping g = {0};
    PyObject *single = NULL, *result = NULL;
    Py_ssize_t new_terms = 0, new_bytes = 0;
    if (group_terms(&g, terms) < 0) {
        goto done;
    }
    /* The weight of a term occurring once, one float shared by its postings (as the Python's). */
    single = PyFloat_FromDouble(boost != 1.0 ? 1.0 * field_boost * boost : 1.0 * field_boost);
    if (single == NULL) {
        goto done;
    }
    for (Py_ssize_t i = 0; i < g.nslots; i++) {
        const Slot *slot = &g.slots[i];
        Py_ssize_t first = start_pos + slot->first;
        PyObject *weight, *value = NULL;
        if (slot->count == 1) {
            Py_INCREF(single);
            weight = single;
        }
        else {
            double w = (double)slot->count * field_boost;
            if (boost != 1.0) {
                w *= boost;
            }
            weight = PyFloat_FromDouble(w);
            if (weight == NULL) {
                goto done;
            }
        }
        if (slot->count == 1 && first < 256 && first < PyList_GET_SIZE(one_position)) {
            value = PyList_GET_ITEM(one_position, first); /* the table's shared bytes, as the Python's */
            Py_INCREF(value);
        }
        else {
            value = encode_positions(&g, slot, start_pos);
            if (value == NULL) {
                Py_DECREF(weight);
                goto done;
            }
        }
        if (pool_one(held, fieldname, slot->term, docnum, weight, value, &new_terms, &new_bytes) < 0) {
            goto done;
        }
    }
    result = Py_BuildValue("(nnn)", g.nslots, new_terms, new_bytes);
done:
    Py_XDECREF(single);
    group_free(&g);
    return result;
}

static PyMethodDef pooling_methods[] = {
    {"pool_positions", pool_positions, METH_VARARGS, pool_positions_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef pooling_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "indexer.storage._pooling",
    .m_doc = "C twin of indexer.storage.pooling.pool_positions_py (see there).",
    .m_size = -1,
    .m_methods = pooling_methods,
};

PyMODINIT_FUNC
PyInit__pooling(void)
{
    return PyModule_Create(&pooling_module);
}
