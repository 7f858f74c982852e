#!/bin/sh
# Charts need a CJK font, or their Chinese labels would be boxes. Install Debian's small
# fonts-wqy-microhei when it is missing and we may (root with apt); otherwise say how.
# Without any CJK font the bot still works: it sends text instead of charts.
for font in /usr/share/fonts/truetype/wqy/wqy-microhei.ttc \
            /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc; do
  [ -f "$font" ] && exit 0
done
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing fonts-wqy-microhei for charts with Chinese labels..."
  (apt-get install -y -qq fonts-wqy-microhei >/dev/null 2>&1 ||
   (apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq fonts-wqy-microhei >/dev/null 2>&1)) ||
    echo "Could not install fonts-wqy-microhei: charts will be sent as text."
else
  echo "No CJK font found: charts will be sent as text. Install one with:"
  echo "  sudo apt-get install fonts-wqy-microhei   (or set [charts] font_path in config.toml)"
fi
exit 0
