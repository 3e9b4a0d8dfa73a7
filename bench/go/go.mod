module benchprobe

go 1.25
