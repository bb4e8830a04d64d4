"""The words synthetic orgs are made of: domains, kinds of service, names, errors by language."""

from __future__ import annotations

DOMAINS = (
    "payments", "checkout", "orders", "inventory", "search", "email", "auth", "billing",
    "shipping", "catalog", "cart", "notifications", "recommendations", "reviews", "profile",
    "ledger", "fraud", "media", "pricing", "invoices", "accounts", "gateway", "reports", "chat",
)  # fmt: skip
KINDS = ("api", "worker", "web", "consumer", "scheduler", "grpc")
FIRST_NAMES = ("ada", "ben", "chloe", "dev", "emma", "farid", "gina", "hugo", "ines", "jon", "kim")
LAST_NAMES = ("lovelace", "okafor", "martin", "patel", "schmidt", "nguyen", "rossi", "silva", "tan")
ERRORS: dict[str, tuple[tuple[str, str, str, str], ...]] = {
    "PYTHON": (
        ("builtins.TypeError", "object of type 'NoneType' has no len()", "app/utils.py", "clean"),
        ("builtins.KeyError", "'customer_id'", "app/handlers/orders.py", "handle_order"),
        (
            "psycopg2.OperationalError",
            "server closed the connection unexpectedly",
            "app/db.py",
            "query",
        ),
        (
            "requests.exceptions.ReadTimeout",
            "Read timed out. (read timeout=5)",
            "app/clients/http.py",
            "fetch",
        ),
    ),
    "GO": (
        ("*errors.errorString", "context deadline exceeded", "internal/rpc/client.go", "Call"),
        (
            "runtime.Error",
            "invalid memory address or nil pointer dereference",
            "cmd/server/main.go",
            "handle",
        ),
        (
            "*net.OpError",
            "dial tcp 10.0.3.7:5432: connect: connection refused",
            "internal/db/pool.go",
            "Acquire",
        ),
    ),
    "JAVA": (
        (
            "java.lang.NullPointerException",
            'Cannot invoke "String.length()" because "s" is null',
            "src/main/java/Service.java",
            "process",
        ),
        (
            "java.util.concurrent.TimeoutException",
            "Timeout waiting for task.",
            "src/main/java/Worker.java",
            "await",
        ),
    ),
    "JAVASCRIPT": (
        (
            "TypeError",
            "Cannot read properties of undefined (reading 'id')",
            "src/components/Cart.tsx",
            "renderItem",
        ),
        ("Error", "HTTP error", "src/api/client.ts", "request"),
        ("ChunkLoadError", "Loading chunk 42 failed.", "webpack/runtime.js", "loadChunk"),
    ),
    "RUBY": (
        (
            "NoMethodError",
            "undefined method `name' for nil:NilClass",
            "app/models/user.rb",
            "display_name",
        ),
        (
            "ActiveRecord::RecordNotFound",
            "Couldn't find Order with 'id'=0",
            "app/controllers/orders_controller.rb",
            "show",
        ),
    ),
}
STATES = (("OPEN", 55), ("ACKNOWLEDGED", 15), ("RESOLVED", 15), ("IGNORED", 12), ("EXCLUDED", 3))
