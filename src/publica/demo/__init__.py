"""The demo town of Millbrook: invented people, the 16 demo services and a year of cases."""
