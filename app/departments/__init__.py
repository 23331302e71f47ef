"""Departments (数据提供单位) that deliver public credit records."""
