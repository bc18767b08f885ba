print("nexd")
