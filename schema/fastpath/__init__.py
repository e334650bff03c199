"""The fast path: how plain queries are answered faster than graphql-core and SQLAlchemy would.

Everything here is an optimisation with a standard twin that gives the same answer, and the one
place that imports both SQLAlchemy and graphql-core (STYLE.md):

- `lean`: the lean executor, compiled plans walked level by level instead of graphql-core;
- `renderable` and `rendered`: lists of child rows that the database writes as JSON;
- `reader`: the request's read connection, its rows as named tuples;
- `prepared`: statements run again and again, on SQLite without SQLAlchemy's execution;
- `sqlite_driver`: aiosqlite with one call into its thread per statement;
- `selfcheck`: at start-up, whether the private names of the libraries that these lean on are
  still there; when one is not, everything is served on the standard path.

`import schema.fastpath.reader` does not build the Strawberry schema: `server/` reads through it.
"""
