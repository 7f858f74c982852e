"""One deployment for a 中心校 and its 村小: settings per school, a router over the Cores,
and the 学区管理员's views across schools (issue 17)."""
