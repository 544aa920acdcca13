"""The code graph as MCP tools for coding agents (`parseltongue mcp`): tools.py (each tool is
one Codebase call with a compact answer), compact.py (the answers' shape and bounds),
resources.py (schema, named queries, guide) and server.py (the SDK's MCPServer, transports,
client configuration)."""
